// The paper's evaluation (its Figure 4), reproduced on one host: the TSP genetic algorithm as
// islands that interbreed through a global variable, on 2, 3 and 4 heterogeneous peers (or, with
// --peers N on a machine of more cores, on 2, 4, 8, ... N peers with a core each).
//
// Peers are executors of an embedded virtual computer, each running one island. Heterogeneity:
// each peer's process is limited to a share of one core (a cgroup CPU bandwidth limit) and its
// island's thread is pinned to that core. R_i, the processing rate of peer i, comes from a plain
// run of the same island code in a child process under the same limit and pinning, without
// ppp2p. A setup's rate R_H is the work of all its islands over the wall time from the start
// signal to the last result. With the paper's definitions: S_H = R_H / R_max, S_H,max =
// sum R_i / R_max, efficiency = S_H / S_H,max.
// Work is counted in 2-opt moves evaluated, not generations: with local search, a generation's
// cost depends on how far its children are from 2-opt optima, so that generations per second
// of one island varied by 1.7x from run to run and seed to seed, while moves per second follow
// the CPU share.
#include "cpu_limits.hpp"
#include "plot.hpp"
#include "tsp.hpp"

#include <ppp2p/ppp2p.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <numeric>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Peer {
  std::string name;
  int core;
  int percent; // of that core
};

// The paper's setup on a 2-core machine: shares per core sum to at most 90 %, the rest is for
// the client and the executors' I/O.
const std::vector<Peer> kTwoCorePeers = {
    {"P1", 0, 60}, {"P2", 1, 50}, {"P3", 1, 40}, {"P4", 0, 30}};

/// `count` heterogeneous peers with a core each (cores 1..count; core 0 is left to the client and
/// the agents' I/O), limited to 90, 75, 60 and 45 % of their core in turn.
std::vector<Peer> peers_with_own_cores(int count) {
  static constexpr int kShares[] = {90, 75, 60, 45};
  std::vector<Peer> peers;
  for (int k = 0; k < count; ++k)
    peers.push_back({"P" + std::to_string(k + 1), k + 1, kShares[k % 4]});
  return peers;
}

struct Placed {
  int pid;
  bool pinned;
};

struct Options {
  std::vector<int> sizes{50, 100, 200};
  double seconds = 4;
  int repeat = 3; // every rate is the median of this many runs
  int migrate_every = 10;
  int peers = 4; // more than 4: a core per peer, setups of 2, 4, 8, ... and all of them
  std::string svg;
};

[[noreturn]] void usage(int status) {
  std::fprintf(
      status ? stderr : stdout,
      "Usage: bench-fig4 [--sizes N,N,...] [--seconds S] [--repeat R] [--migrate-every M]"
      " [--peers N] [--svg FILE]\n\n"
      "Reproduces the paper's Figure 4 on this host: speedup and efficiency of the TSP\n"
      "genetic algorithm on 2, 3 and 4 heterogeneous peers (CPU-limited, pinned\n"
      "executors; needs root for the cgroup limits), per problem size (default\n"
      "50,100,200 cities), each run lasting S seconds (default 4); islands interbreed\n"
      "every M generations (default 10). Every rate is the median of R runs (default\n"
      "3). Writes the chart as SVG to FILE if given.\n"
      "With --peers N (5 to cores - 1), peers get a core each (limited to 90, 75, 60\n"
      "and 45 %% of it in turn), setups are 2, 4, 8, ... and N peers, and every R_i comes\n"
      "from one plain run of all N islands at once (a core each, so they do not share\n"
      "CPU) instead of N runs alone.\n");
  std::exit(status);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "bench-fig4: %s needs a value\n", flag.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    auto whole = [&](const std::string& text, long min, long max) {
      char* end = nullptr;
      long v = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end || v < min || v > max) {
        std::fprintf(stderr, "bench-fig4: %s needs whole numbers from %ld to %ld, got '%s'\n",
                     flag.c_str(), min, max, text.c_str());
        std::exit(2);
      }
      return v;
    };
    if (flag == "--help" || flag == "-h") {
      usage(0);
    } else if (flag == "--sizes") {
      o.sizes.clear();
      std::string list = value(), item;
      for (std::size_t start = 0; start <= list.size();) {
        std::size_t comma = std::min(list.find(',', start), list.size());
        o.sizes.push_back(int(whole(list.substr(start, comma - start), 8, 100000)));
        start = comma + 1;
      }
    } else if (flag == "--seconds") {
      o.seconds = double(whole(value(), 1, 3600));
    } else if (flag == "--repeat") {
      o.repeat = int(whole(value(), 1, 100));
    } else if (flag == "--migrate-every") {
      o.migrate_every = int(whole(value(), 0, 1000000));
    } else if (flag == "--peers") {
      long most = std::max(4L, long(std::thread::hardware_concurrency()) - 1);
      o.peers = int(whole(value(), 2, most));
    } else if (flag == "--svg") {
      o.svg = value();
    } else {
      std::fprintf(stderr, "bench-fig4: unknown option '%s' (see --help)\n", flag.c_str());
      std::exit(2);
    }
  }
  return o;
}

tsp::Params island_params(unsigned seed, const Options& o, bool interbreed) {
  tsp::Params params;
  params.generations = 1 << 30; // bounded by time
  params.population = 40;
  params.seed = seed;
  params.seconds = o.seconds;
  params.migrate_every = interbreed ? o.migrate_every : 0;
  return params;
}

} // namespace

/// One island on a peer: pins itself, tells the client its process, waits for the start.
[[ppp2p::checkpointable]] tsp::Tour peer_island(tsp::Problem problem, tsp::Params params,
                                                int core) {
  ppp2p::send(ppp2p::client, Placed{int(getpid()), bench::pin_to_core(0, core)});
  (void)ppp2p::receive<int>(ppp2p::client); // the start signal, once the limit applies
  return tsp::evolve(problem, params);
}

namespace {

/// Plain islands (no ppp2p, no interbreeding) in child processes limited and pinned like the
/// given peers, started together: each one's rate (M moves/s), and all of them together
/// over the wall time from the start to the last one's end.
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
      auto start = std::chrono::steady_clock::now();
      timespec cpu0{}, cpu1{};
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
      tsp::Tour tour = tsp::evolve(problem, island_params(unsigned(k) + 1, o, false));
      clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
      double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      double cpu = double(cpu1.tv_sec - cpu0.tv_sec) + 1e-9 * double(cpu1.tv_nsec - cpu0.tv_nsec);
      double out[3] = {double(tour.evaluated), seconds, cpu};
      (void)!write(result[1], out, sizeof out);
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
  double generations = 0;
  for (Child& child : children) {
    double out[3];
    if (read(child.result, out, sizeof out) != sizeof out)
      throw std::runtime_error("a plain run failed");
    run.rates.push_back(out[0] / out[1] / 1e6);
    run.cpu_shares.push_back(out[2] / out[1]);
    generations += out[0];
    waitpid(child.pid, nullptr, 0);
    close(child.result);
  }
  run.together = generations / 1e6 /
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  close(ready[0]);
  close(ready[1]);
  return run;
}

/// R_H: moves evaluated per second by `count` peers (the first `count` of `all`) together.
double setup_rate(const tsp::Problem& problem, const Options& o, const std::vector<Peer>& all,
                  unsigned count, bench::CpuLimits* limits, const std::vector<int>& groups) {
  ppp2p::VirtualComputer vc({.workers = count, .slots_per_worker = 1});
  std::vector<ppp2p::VirtualThread<tsp::Tour>> islands;
  for (unsigned k = 0; k < count; ++k)
    islands.push_back(vc.spawn(peer_island, problem, island_params(k + 1, o, true), all[k].core));
  std::set<int> pids;
  for (unsigned k = 0; k < count; ++k) {
    Placed placed = vc.receive<Placed>(islands[k].id());
    if (!placed.pinned)
      std::fprintf(stderr, "bench-fig4: %s could not be pinned to core %d\n", all[k].name.c_str(),
                   all[k].core);
    if (!pids.insert(placed.pid).second)
      throw std::runtime_error("two islands share an executor");
    std::string why;
    if (limits && !limits->add(groups[k], placed.pid, why))
      std::fprintf(stderr, "bench-fig4: %s\n", why.c_str());
  }
  auto start = std::chrono::steady_clock::now();
  for (auto& island : islands)
    vc.send(island.id(), 1);
  double generations = 0; // the unit of work: 2-opt moves evaluated
  for (auto& island : islands)
    generations += double(island.get().evaluated);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return generations / seconds / 1e6;
}

template <class F> double median(int repeat, F measure) {
  std::vector<double> values;
  for (int i = 0; i < repeat; ++i)
    values.push_back(measure());
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

std::string cpu_model() {
  std::ifstream info("/proc/cpuinfo");
  std::string line;
  while (std::getline(info, line))
    if (line.rfind("model name", 0) == 0)
      return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

} // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0); // tables survive a run cut short
  Options o = parse(argc, argv);
  unsigned cores = std::thread::hardware_concurrency();
  std::string why;
  std::unique_ptr<bench::CpuLimits> limits = bench::CpuLimits::open(why);
  std::printf("Figure 4 reproduced: TSP GA islands interbreeding every %d generations through a "
              "global variable;\n%.0f s per run, median of %d; %u cores (%s)\n",
              o.migrate_every, o.seconds, o.repeat, cores, cpu_model().c_str());
  std::printf("heterogeneous peers: pinned to a core, CPU limited by %s\n",
              limits ? limits->describe().c_str() : ("nothing: " + why).c_str());
  std::vector<Peer> peers = o.peers <= 4 ? kTwoCorePeers : peers_with_own_cores(o.peers);
  peers.resize(std::size_t(o.peers));
  const bool own_cores = o.peers > 4;
  for (const Peer& p : peers)
    std::printf("  %s: core %d, %d %%\n", p.name.c_str(), p.core % int(cores),
                limits ? p.percent : 100);
  std::vector<int> groups;
  for (const Peer& p : peers)
    groups.push_back(limits ? limits->create(p.name, p.percent) : -1);

  std::vector<unsigned> setups;
  if (!own_cores) {
    for (unsigned n = 2; n <= unsigned(o.peers); ++n)
      setups.push_back(n);
  } else {
    for (unsigned n = 2; n < unsigned(o.peers); n *= 2)
      setups.push_back(n);
    setups.push_back(unsigned(o.peers));
  }
  std::vector<std::size_t> everyone(peers.size());
  std::iota(everyone.begin(), everyone.end(), std::size_t(0));
  std::vector<fig4::Series> series;
  for (unsigned n : setups)
    series.push_back({std::to_string(n) + " peers", {}, {}});
  std::vector<std::vector<double>> efficiency(setups.size());
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
      for (std::size_t k = 0; k < peers.size(); ++k) {
        std::sort(runs[k].begin(), runs[k].end());
        rate[k] = runs[k][runs[k].size() / 2];
      }
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
      double r_h = median(
          o.repeat, [&] { return setup_rate(problem, o, peers, count, limits.get(), groups); });
      std::vector<std::size_t> members(everyone.begin(), everyone.begin() + count);
      double together = median(o.repeat, [&] {
        PlainRun run = plain_run(problem, o, peers, members, limits.get(), groups);
        share_together = run.cpu_shares;
        return run.together;
      });
      double s_h = r_h / r_max, s_max = r_sum / r_max;
      series[s].speedup.push_back(s_h);
      series[s].max_speedup.push_back(s_max);
      efficiency[s].push_back(s_h / s_max);
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
  std::printf("\nefficiency by problem size (goal at the largest: >= 99 / 98.5 / 98 %% for 2 / 3 "
              "/ 4 peers; the paper: 95.7 / 94.2 / 93.0 %%)\n\n| peers |");
  for (int size : o.sizes)
    std::printf(" %6d |", size);
  std::printf("\n|-------|");
  for (std::size_t i = 0; i < o.sizes.size(); ++i)
    std::printf("--------|");
  for (std::size_t s = 0; s < setups.size(); ++s) {
    std::printf("\n| %5u |", setups[s]);
    for (double e : efficiency[s])
      std::printf(" %5.1f%% |", e * 100);
  }
  std::printf("\n");
  if (!o.svg.empty()) {
    std::ofstream out(o.svg);
    out << fig4::speedup_chart("Speedup of heterogeneous peers (dashed: maximum)", o.sizes, series);
    if (!out) {
      std::fprintf(stderr, "bench-fig4: cannot write %s\n", o.svg.c_str());
      return 1;
    }
    std::printf("chart written to %s\n", o.svg.c_str());
  }
  return 0;
}
