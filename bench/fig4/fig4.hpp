// The paper's evaluation (its Figure 4): what bench-fig4's two modes share. On one host
// (on_one_host.cpp) peers are executors of an embedded VC under cgroup limits; through agents
// (through_agents.cpp) each peer is a ppp2p-runtime agent on a test host of its own.
#pragma once

#include "plot.hpp"
#include "tsp.hpp"

#include <functional>
#include <string>
#include <vector>

namespace fig4 {

struct Peer {
  std::string name;
  int core;    // pinned to this core on one host; -1 where not pinned (test hosts)
  int percent; // of one core
};

struct Options {
  std::vector<int> sizes{50, 100, 200};
  double seconds = 4;
  int repeat = 0; // 0: the mode's default (3 on one host, 5 through agents)
  int migrate_every = 10;
  int peers = 4; // more than 4: a core per peer, setups of 2, 4, 8, ... and all of them
  std::string svg;
  bool hosts = false;       // through agents on test hosts
  std::string hosts_script; // test/hosts/hosts.py
  std::string plain_island; // internal: "SIZE,SEED[,START_NS]", one plain island (see main)
};

Options parse(int argc, char** argv);

tsp::Params island_params(unsigned seed, const Options& o, bool interbreed);

/// R_H: 2-opt moves (millions) evaluated per second by the first `count` of `peers` as islands
/// of one VC interbreeding through a global, from the start signal to the last result. Each
/// island pins itself to its peer's core (if any) and reports its process, which `place` gets
/// (to put it under its peer's CPU limit) before the start signal; `place` is called for the
/// islands in order, the last one's call being the last thing before the start signal. A pid
/// is the island's own view of it (in an agent's sandbox, in a PID namespace of its own).
using PlaceIsland = std::function<void(std::size_t peer, int pid, bool pinned)>;
double setup_rate(const tsp::Problem& problem, const Options& o, const std::vector<Peer>& peers,
                  unsigned count, const PlaceIsland& place);

/// What one plain island (no ppp2p, no interbreeding) did.
struct PlainIsland {
  double evaluated = 0; // 2-opt moves
  double seconds = 0;   // wall time from its start to its end
  double cpu = 0;       // CPU seconds it used
  long long end_ns = 0; // CLOCK_MONOTONIC at its end
};

PlainIsland run_plain_island(const tsp::Problem& problem, unsigned seed, const Options& o);

/// The median and the range of some measurements.
struct Spread {
  double median = 0, low = 0, high = 0;
};
Spread spread(std::vector<double> values);

std::string cpu_model();

/// The heterogeneous peers: on a 2-core machine four that share the cores, with more peers a
/// core each (cores 1..N; core 0 is left to the client and the agents' I/O).
std::vector<Peer> two_core_peers();
std::vector<Peer> peers_with_own_cores(int count);

/// Setups of 2, 3, 4 peers, or with more than 4 peers 2, 4, 8, ... and all of them.
std::vector<unsigned> setups_for(int peers);

/// The closing table: efficiency per setup and problem size, against the paper.
void print_efficiency_table(const std::vector<int>& sizes, const std::vector<unsigned>& setups,
                            const std::vector<std::vector<std::string>>& cells);

/// Writes the chart to o.svg if given; false (said on stderr) if it cannot.
bool write_chart(const Options& o, const std::string& title, const std::vector<Series>& series);

int run_on_one_host(const Options& o);
int run_through_agents(const Options& o);

} // namespace fig4
