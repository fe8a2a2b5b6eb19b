// bench-fig4 through agents: each peer is a ppp2p-runtime agent on a test host of its own (a
// network namespace with its own address and a CPU quota, test/hosts/hosts.py), the client on a
// host of its own whose agent lends no slots. The VC's islands run in executors that the peers'
// agents start, so inside their hosts' quotas; everything between them and the client (start
// signal, interbreeding through the global, results) goes through the agents over TCP.
// R_i comes from a plain run of the same island code on host i alone, the setup's plain
// baseline from the same peers' plain islands started at one instant on their hosts. Every
// repetition measures R_i, then each setup through ppp2p and plainly (alternating which comes
// first), so that drifts of the machine's speed fall on both sides of each ratio; the tables
// give the median and range over the repetitions.
#include "cluster.hpp"
#include "fig4.hpp"
#include "test_hosts.hpp"

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fig4 {
namespace {

long long monotonic_ns() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long long)now.tv_sec * 1000000000LL + now.tv_nsec;
}

// Long enough for `hosts.py exec` (a Python start) and this program to start in a host.
constexpr long long kStartDelayNs = 600'000'000;

PlainIsland parse_island(const std::string& text) {
  PlainIsland island;
  std::istringstream in(text);
  if (!(in >> island.evaluated >> island.seconds >> island.cpu >> island.end_ns))
    throw std::runtime_error("a plain island printed '" + text + "'");
  return island;
}

/// Plain islands of the given peers (peer k on host k + 1), started at one instant.
std::vector<PlainIsland> plain_islands(const bench::TestHosts& hosts, const Options& o, int size,
                                       const std::vector<std::size_t>& members,
                                       long long& start_ns) {
  std::string self = std::filesystem::canonical("/proc/self/exe").string();
  start_ns = monotonic_ns() + kStartDelayNs;
  std::vector<bench::TestHosts::Child> children;
  for (std::size_t k : members)
    children.push_back(hosts.start(
        k + 1, {self, "--plain-island",
                std::to_string(size) + "," + std::to_string(k + 1) + "," + std::to_string(start_ns),
                "--seconds", std::to_string(int(o.seconds))}));
  std::vector<PlainIsland> islands;
  for (auto& child : children)
    islands.push_back(parse_island(bench::TestHosts::finish(child)));
  return islands;
}

/// VTs running at the agent whose data dir is `dir` (its status, summed over enrolments).
unsigned vts_running(const std::string& dir) {
  std::string json = bench::capture(bench::default_runtime() + " status --json --data-dir " + dir);
  unsigned total = 0;
  const std::string key = "\"running\": ";
  for (std::size_t at = json.find(key); at != std::string::npos; at = json.find(key, at + 1))
    total += unsigned(std::strtoul(json.c_str() + at + key.size(), nullptr, 10));
  return total;
}

std::string percent_cell(const Spread& s) {
  char text[48];
  std::snprintf(text, sizeof text, "%5.1f %% (%.1f-%.1f)", s.median * 100, s.low * 100,
                s.high * 100);
  return text;
}

} // namespace

int run_through_agents(const Options& o) {
  std::vector<Peer> peers = o.peers <= 4 ? two_core_peers() : peers_with_own_cores(o.peers);
  peers.resize(std::size_t(o.peers));
  std::vector<std::optional<int>> quota{std::nullopt}; // host 0: the client's
  for (Peer& p : peers) {
    p.core = -1; // a host is a quota, not a core: the scheduler places its processes
    quota.push_back(p.percent);
  }
  std::string why;
  std::unique_ptr<bench::TestHosts> hosts = bench::TestHosts::up(o.hosts_script, quota, why);
  if (!hosts) {
    std::fprintf(stderr, "bench-fig4: %s\n", why.c_str());
    return 77;
  }
  std::printf("Figure 4 through agents on test hosts: TSP GA islands interbreeding every %d "
              "generations through a global variable;\n%.0f s per run, %d repetitions; %u cores "
              "(%s)\n",
              o.migrate_every, o.seconds, o.repeat, std::thread::hardware_concurrency(),
              cpu_model().c_str());
  std::printf("  client: host 0 (%s), its agent lends no slots\n", hosts->address(0).c_str());
  for (std::size_t k = 0; k < peers.size(); ++k)
    std::printf("  %s: host %zu (%s), agent with 1 slot, CPU quota %d %% of a core\n",
                peers[k].name.c_str(), k + 1, hosts->address(k + 1).c_str(), peers[k].percent);

  auto root = std::filesystem::temp_directory_path() / ("bench-fig4-" + std::to_string(getpid()));
  hosts->remove_on_interrupt(root.string());
  std::string home;
  {
    bench::Cluster cluster(bench::default_runtime(), root);
    home = cluster.add("client", 0, 100, {hosts->launcher(0), hosts->address(0) + ":7000", ""});
    // Speed is the quota: the deployer enrols the fastest first, so n peers are P1..Pn.
    std::vector<std::string> peer_dirs;
    for (std::size_t k = 0; k < peers.size(); ++k)
      peer_dirs.push_back(cluster.add(peers[k].name, 1, peers[k].percent,
                                      {hosts->launcher(k + 1), hosts->address(k + 1) + ":7000", ""}));
    cluster.converge(home);
    bench::use_agent(home);

    std::vector<unsigned> setups = setups_for(o.peers);
    std::vector<Series> series;
    for (unsigned n : setups)
      series.push_back({std::to_string(n) + " peers", {}, {}});
    std::vector<std::vector<std::string>> efficiency_cells(setups.size());
    for (int size : o.sizes) {
      tsp::Problem problem = tsp::random_problem(size, 2026);
      std::vector<std::vector<double>> alone(peers.size()), share(peers.size());
      std::vector<std::vector<double>> vc_rate(setups.size()), plain_rate(setups.size()),
          eta(setups.size()), plain_eta(setups.size()), ratio(setups.size());
      for (int r = 0; r < o.repeat; ++r) {
        std::vector<double> rate_now(peers.size());
        for (std::size_t k = 0; k < peers.size(); ++k) {
          long long start_ns = 0;
          PlainIsland island = plain_islands(*hosts, o, size, {k}, start_ns).front();
          rate_now[k] = island.evaluated / island.seconds / 1e6;
          alone[k].push_back(rate_now[k]);
          share[k].push_back(island.cpu / island.seconds);
        }
        for (std::size_t s = 0; s < setups.size(); ++s) {
          unsigned count = setups[s];
          double through_ppp2p = 0, plainly = 0;
          auto measure_ppp2p = [&] {
            // One island per host, or the quotas are not theirs: before the start, each of
            // the setup's peer agents must run exactly one VT.
            through_ppp2p = setup_rate(problem, o, peers, count, [&](std::size_t k, int, bool) {
              if (k + 1 < count)
                return;
              for (unsigned p = 0; p < count; ++p)
                if (unsigned running = vts_running(peer_dirs[p]); running != 1)
                  throw std::runtime_error(peers[p].name + "'s agent runs " +
                                           std::to_string(running) + " islands instead of one");
            });
          };
          auto measure_plain = [&] {
            long long start_ns = 0;
            double moves = 0;
            long long end_ns = 0;
            std::vector<std::size_t> members(count);
            std::iota(members.begin(), members.end(), std::size_t(0));
            for (const PlainIsland& island : plain_islands(*hosts, o, size, members, start_ns)) {
              moves += island.evaluated;
              end_ns = std::max(end_ns, island.end_ns);
            }
            plainly = moves / (double(end_ns - start_ns) * 1e-9) / 1e6;
          };
          if (r % 2 == 0) {
            measure_ppp2p();
            measure_plain();
          } else {
            measure_plain();
            measure_ppp2p();
          }
          double sum = 0;
          for (unsigned k = 0; k < count; ++k)
            sum += rate_now[k];
          vc_rate[s].push_back(through_ppp2p);
          plain_rate[s].push_back(plainly);
          eta[s].push_back(through_ppp2p / sum);
          plain_eta[s].push_back(plainly / sum);
          ratio[s].push_back(through_ppp2p / plainly);
        }
      }
      std::printf("\n%d cities: plain rates R_i alone (million 2-opt moves evaluated per second, "
                  "median and range):\n ",
                  size);
      std::vector<double> r_i(peers.size());
      for (std::size_t k = 0; k < peers.size(); ++k) {
        Spread rate = spread(alone[k]);
        r_i[k] = rate.median;
        std::printf(" %s %.1f (%.1f-%.1f)", peers[k].name.c_str(), rate.median, rate.low,
                    rate.high);
      }
      std::printf("\n\n| peers | R_H M/s | R_max | S_H   | S_H,max | efficiency (range)     | "
                  "plain together M/s | its efficiency | ppp2p / plain together (range) |\n"
                  "|-------|---------|-------|-------|---------|------------------------|-------"
                  "-------------|----------------|--------------------------------|\n");
      for (std::size_t s = 0; s < setups.size(); ++s) {
        double r_max = 0, r_sum = 0;
        for (unsigned k = 0; k < setups[s]; ++k) {
          r_max = std::max(r_max, r_i[k]);
          r_sum += r_i[k];
        }
        double r_h = spread(vc_rate[s]).median;
        series[s].speedup.push_back(r_h / r_max);
        series[s].max_speedup.push_back(r_sum / r_max);
        efficiency_cells[s].push_back(percent_cell(spread(eta[s])));
        std::printf(
            "| %5u | %7.1f | %5.1f | %5.3f | %7.3f | %-22s | %18.1f | %12.1f %% | %-30s |\n",
            setups[s], r_h, r_max, r_h / r_max, r_sum / r_max, percent_cell(spread(eta[s])).c_str(),
            spread(plain_rate[s]).median, spread(plain_eta[s]).median * 100,
            percent_cell(spread(ratio[s])).c_str());
      }
      std::printf("\nCPU share each plain island received alone (median):");
      for (std::size_t k = 0; k < peers.size(); ++k)
        std::printf(" %s %.0f %%", peers[k].name.c_str(), spread(share[k]).median * 100);
      std::printf("\n");
    }
    print_efficiency_table(o.sizes, setups, efficiency_cells);
    if (!write_chart(o, "Speedup of heterogeneous peers through agents (dashed: maximum)", series))
      return 1;
  }
  return 0;
}

} // namespace fig4
