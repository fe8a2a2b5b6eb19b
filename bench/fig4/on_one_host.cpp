// bench-fig4 on one host: peers are executors of an embedded VC, each pinned to a core and
// limited to a share of it (a cgroup CPU bandwidth limit). R_i, the processing rate of peer i,
// comes from a plain run of the same island code in a child process under the same limit and
// pinning, without ppp2p. A setup's rate R_H is the work of all its islands over the wall time
// from the start signal to the last result. With the paper's definitions: S_H = R_H / R_max,
// S_H,max = sum R_i / R_max, efficiency = S_H / S_H,max.
// Work is counted in 2-opt moves evaluated, not generations: with local search, a generation's
// cost depends on how far its children are from 2-opt optima, so that generations per second
// of one island varied by 1.7x from run to run and seed to seed, while moves per second follow
// the CPU share.
#include "cpu_limits.hpp"
#include "fig4.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <thread>

namespace fig4 {
namespace {

/// Plain islands in child processes limited and pinned like the given peers, started together:
/// each one's rate (M moves/s), and all of them together over the wall time from the start to
/// the last one's end.
struct PlainRun {
  std::vector<double> rates;
  std::vector<double> cpu_shares; // CPU time each island got over its wall time
  double together = 0;
};

PlainRun plain_run(const tsp::Problem& problem, const Options& o, const std::vector<Peer>& all,
                   const std::vector<std::size_t>& peers, bench::CpuLimits* limits,
                   const std::vector<int>& groups) {
  int ready[2];
  if (pipe(ready) != 0)
    throw std::runtime_error("pipe failed");
  struct Child {
    pid_t pid;
    int result;
  };
  std::vector<Child> children;
  for (std::size_t k : peers) {
    int result[2];
    if (pipe(result) != 0)
      throw std::runtime_error("pipe failed");
    pid_t child = fork();
    if (child == 0) {
      char go;
      (void)!read(ready[0], &go, 1);
      bench::pin_to_core(0, all[k].core);
      PlainIsland island = run_plain_island(problem, unsigned(k) + 1, o);
      (void)!write(result[1], &island, sizeof island);
      _exit(0);
    }
    close(result[1]);
    children.push_back({child, result[0]});
    std::string why;
    if (limits && !limits->add(groups[k], child, why))
      std::fprintf(stderr, "bench-fig4: %s\n", why.c_str());
  }
  auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < peers.size(); ++i)
    (void)!write(ready[1], "g", 1);
  PlainRun run;
  double moves = 0;
  for (Child& child : children) {
    PlainIsland island;
    if (read(child.result, &island, sizeof island) != sizeof island)
      throw std::runtime_error("a plain run failed");
    run.rates.push_back(island.evaluated / island.seconds / 1e6);
    run.cpu_shares.push_back(island.cpu / island.seconds);
    moves += island.evaluated;
    waitpid(child.pid, nullptr, 0);
    close(child.result);
  }
  run.together =
      moves / 1e6 / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(ready[0]);
  close(ready[1]);
  return run;
}

template <class F> double median(int repeat, F measure) {
  std::vector<double> values;
  for (int i = 0; i < repeat; ++i)
    values.push_back(measure());
  return spread(values).median;
}

} // namespace

int run_on_one_host(const Options& o) {
  unsigned cores = std::thread::hardware_concurrency();
  std::string why;
  std::unique_ptr<bench::CpuLimits> limits = bench::CpuLimits::open(why);
  std::printf("Figure 4 reproduced on one host: TSP GA islands interbreeding every %d "
              "generations through a global variable;\n%.0f s per run, median of %d; %u cores "
              "(%s)\n",
              o.migrate_every, o.seconds, o.repeat, cores, cpu_model().c_str());
  std::printf("heterogeneous peers: pinned to a core, CPU limited by %s\n",
              limits ? limits->describe().c_str() : ("nothing: " + why).c_str());
  std::vector<Peer> peers = o.peers <= 4 ? two_core_peers() : peers_with_own_cores(o.peers);
  peers.resize(std::size_t(o.peers));
  const bool own_cores = o.peers > 4;
  for (const Peer& p : peers)
    std::printf("  %s: core %d, %d %%\n", p.name.c_str(), p.core % int(cores),
                limits ? p.percent : 100);
  std::vector<int> groups;
  for (const Peer& p : peers)
    groups.push_back(limits ? limits->create(p.name, p.percent) : -1);
  auto place = [&](std::size_t peer, int pid, bool) {
    std::string why;
    if (limits && !limits->add(groups[peer], pid, why))
      std::fprintf(stderr, "bench-fig4: %s\n", why.c_str());
  };

  std::vector<unsigned> setups = setups_for(o.peers);
  std::vector<std::size_t> everyone(peers.size());
  std::iota(everyone.begin(), everyone.end(), std::size_t(0));
  std::vector<Series> series;
  for (unsigned n : setups)
    series.push_back({std::to_string(n) + " peers", {}, {}});
  std::vector<std::vector<std::string>> efficiency(setups.size());
  for (int size : o.sizes) {
    tsp::Problem problem = tsp::random_problem(size, 2026);
    // R_i: each peer's plain island alone, the machine otherwise idle; with a core per peer, all
    // of them at once (each rate the median over the runs).
    std::vector<double> rate(peers.size()), share_alone(peers.size()), share_together;
    if (!own_cores) {
      for (std::size_t k = 0; k < peers.size(); ++k)
        rate[k] = median(o.repeat, [&] {
          PlainRun run = plain_run(problem, o, peers, {k}, limits.get(), groups);
          share_alone[k] = run.cpu_shares[0];
          return run.rates[0];
        });
    } else {
      std::vector<std::vector<double>> runs(peers.size());
      for (int r = 0; r < o.repeat; ++r) {
        PlainRun run = plain_run(problem, o, peers, everyone, limits.get(), groups);
        for (std::size_t k = 0; k < peers.size(); ++k) {
          runs[k].push_back(run.rates[k]);
          share_alone[k] = run.cpu_shares[k];
        }
      }
      for (std::size_t k = 0; k < peers.size(); ++k)
        rate[k] = spread(runs[k]).median;
    }
    std::printf("\n%d cities: plain rates R_i (million 2-opt moves evaluated per second%s):", size,
                own_cores ? ", all peers at once" : "");
    for (std::size_t k = 0; k < rate.size(); ++k)
      std::printf(" %s %.1f", peers[k].name.c_str(), rate[k]);
    std::printf("\n\n| peers | R_H M/s   | R_max | S_H   | S_H,max | efficiency | plain together "
                "| ppp2p / plain together |\n"
                "|-------|-----------|-------|-------|---------|------------|----------------"
                "|------------------------|\n");
    for (std::size_t s = 0; s < setups.size(); ++s) {
      unsigned count = setups[s];
      double r_max = 0, r_sum = 0;
      for (unsigned k = 0; k < count; ++k) {
        r_max = std::max(r_max, rate[k]);
        r_sum += rate[k];
      }
      double r_h = median(o.repeat, [&] { return setup_rate(problem, o, peers, count, place); });
      std::vector<std::size_t> members(everyone.begin(), everyone.begin() + count);
      double together = median(o.repeat, [&] {
        PlainRun run = plain_run(problem, o, peers, members, limits.get(), groups);
        share_together = run.cpu_shares;
        return run.together;
      });
      double s_h = r_h / r_max, s_max = r_sum / r_max;
      series[s].speedup.push_back(s_h);
      series[s].max_speedup.push_back(s_max);
      char cell[16];
      std::snprintf(cell, sizeof cell, "%5.1f%%", s_h / s_max * 100);
      efficiency[s].push_back(cell);
      std::printf("| %5u | %9.1f | %5.1f | %5.3f | %7.3f | %8.1f %% | %14.1f | %20.1f %% |\n",
                  count, r_h, r_max, s_h, s_max, s_h / s_max * 100, together, r_h / together * 100);
    }
    // What the limits gave: CPU time over wall time of each plain island, alone (or in the
    // rates' run) and with all peers running (the last run of each).
    std::printf("\nCPU share received, %s / with %zu peers:", own_cores ? "rates' run" : "alone",
                peers.size());
    for (std::size_t k = 0; k < share_alone.size(); ++k)
      std::printf(" %s %.0f / %.0f %%", peers[k].name.c_str(), share_alone[k] * 100,
                  k < share_together.size() ? share_together[k] * 100 : 0.0);
    std::printf("\n");
  }
  print_efficiency_table(o.sizes, setups, efficiency);
  return write_chart(o, "Speedup of heterogeneous peers (dashed: maximum)", series) ? 0 : 1;
}

} // namespace fig4
