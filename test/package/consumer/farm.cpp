// A user program with a virtual computer, built with ppp2p_add_executable.
#include <ppp2p/ppp2p.hpp>

#include <cstdio>
#include <vector>

[[ppp2p::checkpointable]] long square_sum(long n) {
  long total = 0;
  for (long i = 1; i <= n; ++i) {
    total += i * i;
    ppp2p::checkpoint();
  }
  return total;
}

int main() {
  ppp2p::VirtualComputer vc({.workers = 2});
  std::vector<ppp2p::VirtualThread<long>> vts;
  for (long n = 1; n <= 4; ++n)
    vts.push_back(vc.spawn(square_sum, n * 10));
  long total = 0;
  for (auto& vt : vts)
    total += vt.get();
  if (total != 385 + 2870 + 9455 + 22140) {
    std::printf("FAIL: %ld\n", total);
    return 1;
  }
  std::printf("farm ok: %ld\n", total);
  return 0;
}
