// Fault tolerance: (1) recovery time after the worker agent running a VT is SIGKILLed or hangs,
// end to end (membership's detection, the resume on another agent, up to the VT's first site);
// (2)
// migration time against the size of the VT's state, on the embedded peer and through agents;
// (3) the cost of periodic checkpoints on the TSP workload, as a slowdown against the same run
// without periodic checkpoints, measured in the same run.
//
// (4) the chaos benchmark (chaos.hpp); (5) load balancing by migration (balance.hpp).
//
//   bench-ft [--runtime PATH] [--trials N] [--skip-recovery] [--recovery-only] [--chaos-only]
//   [--balance-only] [--agents N] [--islands N] [--generations G] [--kill-every S]
//   (chaos islands: at most agents - 2)
#include "balance.hpp"
#include "chaos.hpp"
#include "cluster.hpp"
#include "tsp.hpp"

#include <ppp2p/ppp2p.hpp>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Tells the client which agent runs it (the executor's parent), then ticks for `ms` ms; after
// each resume it tells again. Carries `bytes` of state.
[[ppp2p::checkpointable]] std::size_t ticks(std::size_t bytes, int ms) {
  std::vector<std::uint8_t> state(bytes, 7);
  ppp2p::send(ppp2p::client, long(getppid()));
  for (int i = 0; i < ms; ++i) {
    std::this_thread::sleep_for(1ms);
    if (ppp2p::checkpoint())
      ppp2p::send(ppp2p::client, long(getppid()));
  }
  return state.size();
}

namespace {

constexpr const char* kBalanceTitle =
    "4 equal VTs (primes in a range of 600k numbers above 2*10^7) on a fast worker agent "
    "(speed 400) and a slow one (speed 100, limited to 25 % of a core), one slot each, "
    "balance_load off and on, interleaved, median of 5 (--trials with --balance-only)";

using bench::Cluster;
using bench::fail;
using bench::use_agent;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[std::min(v.size() - 1, std::size_t(p * double(v.size())))];
}

// The agent running a VT that checkpoints every 100 ms is SIGKILLed (its port then refuses
// connections) or SIGSTOPped (a hung host: connections open, nothing answers): milliseconds
// until the VT runs again on another agent.
// With `bytes` of state and `replicas`, checkpoints every `interval`.
double recovery_ms(const std::string& runtime, const fs::path& root, bool hung,
                   std::size_t bytes = 1024, unsigned replicas = 2,
                   std::chrono::milliseconds interval = 100ms) {
  Cluster c(runtime, root);
  use_agent(c.add_home_and_workers(3, 1));
  ppp2p::VirtualComputer vc({.workers = 3, .checkpoint_interval = interval, .replicas = replicas});
  auto vt = vc.spawn(ticks, bytes, 600000);
  long host = vc.receive<long>(vt.id());
  std::this_thread::sleep_for(std::max<std::chrono::milliseconds>(500ms, 3 * interval));
  auto start = Clock::now();
  if (!(hung ? c.freeze(pid_t(host)) : c.kill(pid_t(host))))
    fail("the VT's agent is not one of the cluster's");
  long again = vc.receive<long>(vt.id());
  double ms = ms_since(start);
  if (again == host || vt.resumes() != 1)
    fail("the VT did not resume on another agent");
  vt.cancel();
  return ms;
}

// Milliseconds from migrate() to the VT running again, carrying `bytes` of state.
double migration_ms(std::size_t bytes) {
  ppp2p::VirtualComputer vc({.workers = 2, .checkpoint_interval = 0ms});
  auto vt = vc.spawn(ticks, bytes, 600000);
  long host = vc.receive<long>(vt.id());
  std::this_thread::sleep_for(50ms);
  auto start = Clock::now();
  if (!vc.migrate(vt.id()))
    fail("migrate() failed");
  (void)vc.receive<long>(vt.id()); // sent after the resume
  double ms = ms_since(start);
  (void)host;
  vt.cancel();
  return ms;
}

// Seconds for 2 TSP islands of a fixed number of generations, checkpointing every `interval`.
double tsp_seconds(std::chrono::milliseconds interval, int generations) {
  tsp::Problem problem = tsp::random_problem(150, 7);
  ppp2p::VirtualComputer vc({.workers = 2, .checkpoint_interval = interval});
  auto start = Clock::now();
  std::vector<ppp2p::VirtualThread<tsp::Tour>> islands;
  for (unsigned k = 0; k < 2; ++k) {
    tsp::Params params;
    params.generations = generations;
    params.seed = k + 1;
    islands.push_back(vc.spawn(tsp::evolve, problem, params));
  }
  for (auto& island : islands)
    if (island.get().generations != generations)
      fail("an island stopped early");
  return ms_since(start) / 1e3;
}

} // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0); // tables survive a run cut short
  std::string runtime = bench::default_runtime();
  int trials = 5;
  bool recovery = true, chaos_only = false, recovery_only = false, balance_only = false;
  bench::ChaosOptions chaos;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runtime" && i + 1 < argc)
      runtime = argv[++i];
    else if (a == "--trials" && i + 1 < argc)
      trials = std::max(1, std::atoi(argv[++i]));
    else if (a == "--skip-recovery")
      recovery = false;
    else if (a == "--recovery-only")
      recovery_only = true;
    else if (a == "--chaos-only")
      chaos_only = true;
    else if (a == "--balance-only")
      balance_only = true;
    else if (a == "--islands" && i + 1 < argc)
      chaos.islands = std::max(1, std::atoi(argv[++i]));
    else if (a == "--agents" && i + 1 < argc)
      chaos.agents = std::max(4, std::atoi(argv[++i]));
    else if (a == "--kill-every" && i + 1 < argc)
      chaos.kill_every_s = std::max(0.5, std::atof(argv[++i]));
    else if (a == "--generations" && i + 1 < argc)
      chaos.generations = std::max(100, std::atoi(argv[++i]) / 10 * 10);
    else
      fail("usage: bench-ft [--runtime PATH] [--trials N] [--skip-recovery] [--recovery-only] "
           "[--chaos-only] [--balance-only] "
           "[--agents N] [--islands N] [--generations G] [--kill-every S]");
  }
  if (::access(runtime.c_str(), X_OK) != 0)
    fail("no ppp2p-runtime at " + runtime + " (use --runtime)");
  fs::path root = fs::path("/tmp") / ("ppp2p-bench-ft-" + std::to_string(::getpid()));
  std::printf("fault tolerance (%u cores)\n", std::thread::hardware_concurrency());

  if (balance_only) {
    std::printf("\n5. load balancing: %s\n\n", kBalanceTitle);
    return bench::run_balance(runtime, root / "balance", trials);
  }
  if (chaos_only)
    recovery = false;
  if (recovery) {
    std::printf(
        "\n1. recovery: from the end of the worker agent running a VT (checkpoints every "
        "100 ms) until the VT runs on another agent; agents on loopback, %d trials each\n\n",
        trials);
    std::vector<double> killed, hung;
    for (int t = 0; t < trials; ++t) { // interleaved, so that both see the same machine
      killed.push_back(recovery_ms(runtime, root / ("k" + std::to_string(t)), false));
      hung.push_back(recovery_ms(runtime, root / ("h" + std::to_string(t)), true));
    }
    // The same SIGKILL with 32 MiB of state (checkpoints every second): resumed from a replica
    // kept by the new worker, or from the client's copy sent across.
    const int big_trials = std::min(trials, 3);
    std::vector<double> copy, replica;
    for (int t = 0; t < big_trials; ++t) {
      copy.push_back(
          recovery_ms(runtime, root / ("c" + std::to_string(t)), false, 32u << 20, 0, 1000ms));
      replica.push_back(
          recovery_ms(runtime, root / ("r" + std::to_string(t)), false, 32u << 20, 2, 1000ms));
    }
    std::printf("| how the agent ends, the VT's state            |     p50 ms |     p99 ms |\n");
    std::printf("|-----------------------------------------------|------------|------------|\n");
    auto row = [](const char* what, const std::vector<double>& ms) {
      std::printf("| %-45s | %10.1f | %10.1f |\n", what, percentile(ms, 0.5), percentile(ms, 0.99));
    };
    row("SIGKILL (its port refuses), 1 KiB", killed);
    row("SIGSTOP (hung: its port is silent), 1 KiB", hung);
    row("SIGKILL, 32 MiB, replicas 0 (client's copy)", copy);
    row("SIGKILL, 32 MiB, replicas 2 (a worker's copy)", replica);
    std::printf("\n(1 KiB: %d trials each, checkpoints every 100 ms; 32 MiB: %d trials each, "
                "checkpoints every 1 s)\n",
                trials, big_trials);
    std::printf("\n(Charm++ publishes < 0.15 s for its in-memory restart, detection excluded; "
                "goal: <= 1.5 s end to end.)\n");
  }

  if (recovery_only)
    return 0;
  if (!chaos_only) {
    std::printf("\n2. migration: migrate() until the VT runs again elsewhere, by state size "
                "(median of 3)\n\n");
    std::printf("| state    | embedded ms | agents ms |\n");
    std::printf("|----------|-------------|-----------|\n");
    {
      Cluster c(runtime, root / "migration");
      std::string home = c.add_home_and_workers(2, 1);
      for (std::size_t bytes : {std::size_t{1} << 10, std::size_t{1} << 20, std::size_t{8} << 20,
                                std::size_t{32} << 20}) {
        double result[2];
        for (int where = 0; where < 2; ++where) {
          use_agent(where == 0 ? "" : home);
          std::vector<double> ms;
          for (int r = 0; r < 3; ++r)
            ms.push_back(migration_ms(bytes));
          result[where] = percentile(ms, 0.5);
        }
        std::printf("| %5zu %s | %11.1f | %9.1f |\n",
                    bytes >= (1u << 20) ? bytes >> 20 : bytes >> 10,
                    bytes >= (1u << 20) ? "MiB" : "KiB", result[0], result[1]);
      }
    }

    std::printf("\n3. periodic checkpoints on the TSP workload (2 islands, 150 cities, embedded "
                "peer), median of 5, configurations interleaved after a warm-up run\n\n");
    use_agent("");
    const int generations = 1500;
    const std::chrono::milliseconds intervals[] = {0ms, 10000ms, 1000ms, 100ms};
    std::vector<std::vector<double>> seconds(std::size(intervals));
    (void)tsp_seconds(0ms, generations); // warm-up: page cache, first executors
    for (int r = 0; r < 5; ++r)
      for (std::size_t k = 0; k < std::size(intervals); ++k)
        seconds[k].push_back(tsp_seconds(intervals[k], generations));
    std::printf("| checkpoint_interval | seconds | slowdown |\n");
    std::printf("|---------------------|---------|----------|\n");
    double base = percentile(seconds[0], 0.5);
    for (std::size_t k = 0; k < std::size(intervals); ++k) {
      double t = percentile(seconds[k], 0.5);
      std::printf("| %19s | %7.3f | %7.2f %% |\n",
                  k == 0 ? "off (baseline)"
                         : (std::to_string(intervals[k].count()) + " ms").c_str(),
                  t, (t / base - 1) * 100);
    }
    std::printf("\n(goal: <= 2 %% at 10 s)\n");

    std::printf("\n5. load balancing: %s\n\n", kBalanceTitle);
    if (bench::run_balance(runtime, root / "balance", 5) == 1)
      return 1;
  }

  chaos.islands = std::min(chaos.islands, chaos.agents - 2); // spares to resume on
  std::printf("\n4. chaos: %d islands (150 cities, %d generations, isolated) on %d worker agents "
              "of 1 slot, checkpoints every 1 s; a random worker SIGKILLed every %.0f s and "
              "restarted on its data dir\n\n",
              chaos.islands, chaos.generations, chaos.agents, chaos.kill_every_s);
  return bench::run_chaos(runtime, root / "chaos", chaos) ? 0 : 1;
}
