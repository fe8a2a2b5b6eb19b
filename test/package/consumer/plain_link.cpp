// A program built with the README's plain clang++ line: -fplugin and libppp2p.a, without
// -Wl,--wrap=main. Its executors must still become executors, never run this main again
// (which would create a virtual computer and start executors of its own, level after level).
// Usage: plain_link MAIN_LOG (each run of main appends its pid there).
#include <ppp2p/ppp2p.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

[[ppp2p::checkpointable]] long cube_sum(long n) {
  long total = 0;
  for (long i = 1; i <= n; ++i) {
    total += i * i * i;
    ppp2p::checkpoint();
  }
  return total;
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: plain_link MAIN_LOG\n");
    return 2;
  }
  if (FILE* log = std::fopen(argv[1], "a")) {
    std::fprintf(log, "%d\n", int(getpid()));
    std::fclose(log);
  }
  ppp2p::VirtualComputer vc({.workers = 2});
  std::vector<ppp2p::VirtualThread<long>> vts;
  for (long n = 1; n <= 6; ++n)
    vts.push_back(vc.spawn(cube_sum, n * 5));
  long total = 0, expected = 0;
  for (long n = 1; n <= 6; ++n) {
    total += vts[std::size_t(n - 1)].get();
    long m = n * 5;
    expected += m * m * (m + 1) * (m + 1) / 4;
  }
  if (total != expected) {
    std::printf("FAIL: %ld, expected %ld\n", total, expected);
    return 1;
  }
  std::printf("plain link ok: %ld\n", total);
  return 0;
}
