#include "balance.hpp"

#include "cluster.hpp"
#include "cpu_limits.hpp"
#include "tasks.hpp"

#include <ppp2p/ppp2p.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

namespace bench {
namespace {

using Clock = std::chrono::steady_clock;

// Every VT counts the primes of a range of the same size high up, so that all cost the same.
// The delegator, knowing the speeds, gives the fast worker three and the slow one the fourth:
// the slow one's VT takes 4 units of time, the fast one's three take 3, and for the last unit
// the fast worker idles unless the slow one's VT moves to it.
constexpr long long kFrom = 20'000'000, kWidth = 600'000;
constexpr int kVts = 4;

struct Farm {
  double seconds = 0;
  long long primes = 0;
  unsigned moved = 0;
};

Farm farm(bool balance) {
  ppp2p::VirtualComputer vc(
      {.workers = 2, .checkpoint_interval = std::chrono::milliseconds(0), .balance_load = balance});
  auto start = Clock::now();
  std::vector<ppp2p::VirtualThread<long long>> vts;
  for (int i = 0; i < kVts; ++i)
    vts.push_back(vc.spawn(count_primes, kFrom, kFrom + kWidth - 1));
  Farm f;
  for (auto& vt : vts)
    f.primes += vt.get();
  f.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  f.moved = vc.rebalanced();
  return f;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

} // namespace

int run_balance(const std::string& runtime, const std::filesystem::path& root, int repeat) {
  std::string why;
  std::unique_ptr<CpuLimits> limits = CpuLimits::open(why);
  if (!limits) {
    std::printf("skipped: the slow worker needs a CPU quota, and %s\n", why.c_str());
    return 77;
  }
  Cluster c(runtime, root);
  std::string home = c.add("home", 0);
  c.add("fast", 1, 400);
  c.add("slow", 1, 100); // advertises a quarter of the fast one's speed, and gets it:
  int group = limits->create("slow", 25);
  if (!limits->add(group, c.pids().back(), why)) {
    std::printf("skipped: %s\n", why.c_str());
    return 77;
  }
  c.converge(home);
  use_agent(home);
  farm(false); // the module reaches both workers
  std::vector<double> off, on;
  long long primes = -1;
  unsigned moved = 0;
  bool ok = true;
  for (int r = 0; r < repeat; ++r) { // interleaved, so that both see the same machine
    for (bool balance : {false, true}) {
      Farm f = farm(balance);
      (balance ? on : off).push_back(f.seconds);
      if (balance)
        moved += f.moved;
      else if (f.moved != 0)
        ok = false;
      if (primes < 0)
        primes = f.primes;
      ok = ok && f.primes == primes;
    }
  }
  std::printf("| balance_load | seconds (median of %d) | ratio to off | VTs moved per run |\n",
              repeat);
  std::printf("|--------------|------------------------|--------------|-------------------|\n");
  std::printf("| off          | %22.3f |         1.00 |                 0 |\n", median(off));
  std::printf("| on           | %22.3f | %12.2f | %17.1f |\n", median(on), median(on) / median(off),
              double(moved) / repeat);
  if (!ok)
    std::printf("FAILED: the runs disagree on the prime count, or a run without balancing moved "
                "a VT\n");
  if (moved == 0) {
    std::printf("FAILED: no run with balance_load moved the slow worker's VT\n");
    ok = false;
  }
  return ok ? 0 : 1;
}

} // namespace bench
