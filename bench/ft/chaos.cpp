#include "chaos.hpp"

#include "cluster.hpp"
#include "tsp.hpp"

#include <ppp2p/ppp2p.hpp>

#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

namespace bench {

namespace {

using Clock = std::chrono::steady_clock;

tsp::Params island_params(unsigned k, int generations) {
  tsp::Params params;
  params.generations = generations;
  params.seed = k + 1;
  params.report_every = 10;
  params.count_generations = true;
  return params;
}

// What one run of the islands produced, and how its effects arrived.
struct Run {
  std::vector<tsp::Tour> tours;
  std::vector<int> partials;     // progress reports received per island
  std::vector<bool> in_order;    // each report's generation = the previous one + 10
  std::vector<unsigned> resumes; // per island
  long global = 0;               // tsp.generations at the end
  double seconds = 0;
};

Run run_islands(const tsp::Problem& problem, const ChaosOptions& o,
                std::chrono::milliseconds checkpoint_interval) {
  Run run;
  unsigned n = unsigned(o.islands);
  run.partials.assign(n, 0);
  run.in_order.assign(n, true);
  std::mutex m;
  auto start = Clock::now();
  ppp2p::VirtualComputer vc({.workers = n, .checkpoint_interval = checkpoint_interval});
  std::vector<ppp2p::VirtualThread<tsp::Tour>> vts;
  for (unsigned k = 0; k < n; ++k) {
    vts.push_back(vc.spawn(tsp::evolve, problem, island_params(k, o.generations)));
    vts.back().on_partial<tsp::Progress>([&run, &m, k](const tsp::Progress& p) {
      std::lock_guard lock(m);
      ++run.partials[k];
      run.in_order[k] = run.in_order[k] && p.generation == run.partials[k] * 10;
    });
  }
  for (auto& vt : vts) {
    run.tours.push_back(vt.get());
    run.resumes.push_back(vt.resumes());
  }
  run.global = vc.global<long>("tsp.generations").read();
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return run;
}

} // namespace

bool run_chaos(const std::string& runtime, const std::filesystem::path& root,
               const ChaosOptions& o) {
  tsp::Problem problem = tsp::random_problem(150, 11);
  use_agent("");
  Run reference = run_islands(problem, o, std::chrono::milliseconds(0));

  Cluster c(runtime, root);
  use_agent(c.add_home_and_workers(unsigned(o.agents), 1));
  // By worker number: the agents started after home.
  std::vector<pid_t> workers(c.pids().begin() + 1, c.pids().end());
  std::atomic<bool> done = false;
  std::atomic<int> kills = 0;
  std::thread killer([&] {
    std::mt19937 rng(2026);
    auto next = Clock::now() + std::chrono::duration<double>(o.kill_every_s);
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (Clock::now() < next)
        continue;
      next += std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(o.kill_every_s));
      // A worker (never the client's own agent), then its restart on its data dir.
      std::size_t victim = rng() % workers.size();
      c.kill(workers[victim]);
      ++kills;
      c.add("w" + std::to_string(victim), 1);
      workers[victim] = c.pids().back();
    }
  });
  Run chaos = run_islands(problem, o, std::chrono::milliseconds(1000));
  done = true;
  killer.join();

  int same = 0, lost_or_twice = 0;
  unsigned resumed = 0;
  for (std::size_t k = 0; k < chaos.tours.size(); ++k) {
    same += chaos.tours[k].order == reference.tours[k].order &&
            chaos.tours[k].length == reference.tours[k].length;
    lost_or_twice += chaos.partials[k] != o.generations / 10 || !chaos.in_order[k];
    resumed += chaos.resumes[k];
  }
  long expected = long(o.islands) * o.generations / 10 * 10;
  std::printf("| run        | seconds | islands equal to fault-free | reports lost or twice | "
              "tsp.generations | kills | resumes |\n");
  std::printf("|------------|---------|-----------------------------|-----------------------|--"
              "---------------|-------|---------|\n");
  std::printf("| fault-free | %7.1f | %27s | %21d | %15ld | %5d | %7d |\n", reference.seconds, "-",
              0, reference.global, 0, 0);
  std::printf("| chaos      | %7.1f | %24d/%d | %21d | %15ld | %5d | %7u |\n", chaos.seconds, same,
              o.islands, lost_or_twice, chaos.global, kills.load(), resumed);
  bool ok = same == o.islands && lost_or_twice == 0 && chaos.global == expected &&
            reference.global == expected && kills > 0; // a run without a kill proves nothing
  std::printf("\n%s: expected tsp.generations = %ld\n", ok ? "OK" : "FAILED", expected);
  return ok;
}

} // namespace bench
