// Large locals (hundreds of KiB) live across sites, partially modified between them.
#include "../oracle.hpp"

#include <array>
#include <cstdint>

[[ppp2p::checkpointable]] std::uint64_t root(int rounds) {
  static_assert(sizeof(int) == 4);
  int big[100000];                   // 400 KB C array
  std::array<double, 30000> samples; // 240 KB
  for (int i = 0; i < 100000; ++i)
    big[i] = i * 7 % 1013;
  for (int i = 0; i < 30000; ++i)
    samples[i] = i * 0.25;
  std::uint64_t hash = 1469598103934665603ULL;
  for (int r = 0; r < rounds; ++r) {
    for (int i = r; i < 100000; i += 97)
      big[i] += r;
    samples[r * 13 % 30000] += big[r * 31];
    ppp2p::checkpoint();
  }
  for (int i = 0; i < 100000; ++i)
    hash = (hash ^ std::uint64_t(big[i])) * 1099511628211ULL;
  for (double s : samples)
    hash = (hash ^ std::uint64_t(s * 4)) * 1099511628211ULL;
  return hash;
}

PPP2P_ORACLE_MAIN(root, 6)
