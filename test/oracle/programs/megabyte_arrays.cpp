// A std::array of 2^20 bytes and a char[2^20] live across sites: they move, and their codecs
// compile in about the time the plain build takes (a pack expansion over the array's elements
// once took minutes and gigabytes; the loop that replaced it keeps this program's build quick).
#include "../oracle.hpp"

#include <array>
#include <cstdint>

[[ppp2p::checkpointable]] std::uint64_t scramble(int rounds) {
  std::array<std::uint8_t, 1 << 20> bytes{};
  char text[1 << 20];
  for (std::size_t i = 0; i < sizeof text; ++i)
    text[i] = char('a' + i % 26);
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t i = std::size_t(r); i < bytes.size(); i += 4099)
      bytes[i] = std::uint8_t(bytes[i] * 31 + r);
    text[std::size_t(r) * 65537 % sizeof text] = char('A' + r);
    ppp2p::checkpoint();
  }
  std::uint64_t hash = 1469598103934665603ULL;
  for (std::size_t i = 0; i < bytes.size(); i += 7)
    hash = (hash ^ bytes[i] ^ std::uint64_t(text[i])) * 1099511628211ULL;
  return hash;
}

PPP2P_ORACLE_MAIN(scramble, 4)
