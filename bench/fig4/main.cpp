// bench-fig4: the paper's evaluation (its Figure 4). See fig4.hpp for the two modes.
#include "fig4.hpp"

#include <time.h>

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace {

/// --plain-island SIZE,SEED[,START_NS]: one plain island, from CLOCK_MONOTONIC START_NS (if
/// given); prints "moves seconds cpu_seconds end_ns" (what --hosts runs in a test host).
int plain_island(const fig4::Options& o) {
  long long size = 0, seed = 0, start_ns = 0;
  char tail = 0;
  int fields =
      std::sscanf(o.plain_island.c_str(), "%lld,%lld,%lld%c", &size, &seed, &start_ns, &tail);
  if (fields < 2 || fields > 3 || size < 8 || seed < 0) {
    std::fprintf(stderr, "bench-fig4: --plain-island needs SIZE,SEED[,START_NS], got '%s'\n",
                 o.plain_island.c_str());
    return 2;
  }
  tsp::Problem problem = tsp::random_problem(int(size), 2026);
  if (start_ns > 0) {
    timespec at{time_t(start_ns / 1000000000), long(start_ns % 1000000000)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &at, nullptr) != 0) {
    }
  }
  fig4::PlainIsland island = fig4::run_plain_island(problem, unsigned(seed), o);
  std::printf("%.0f %.9f %.9f %lld\n", island.evaluated, island.seconds, island.cpu, island.end_ns);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0); // tables survive a run cut short
  fig4::Options o = fig4::parse(argc, argv);
  try {
    if (!o.plain_island.empty())
      return plain_island(o);
    return o.hosts ? fig4::run_through_agents(o) : fig4::run_on_one_host(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench-fig4: %s\n", e.what());
    return 1;
  }
}
