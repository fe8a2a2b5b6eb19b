#include "fig4.hpp"

#include <cstdio>
#include <cstdlib>
#include <thread>

#ifndef PPP2P_HOSTS_SCRIPT
#define PPP2P_HOSTS_SCRIPT "test/hosts/hosts.py"
#endif

namespace fig4 {
namespace {

[[noreturn]] void usage(int status) {
  std::fprintf(
      status ? stderr : stdout,
      "Usage: bench-fig4 [--hosts [--hosts-script FILE]] [--sizes N,N,...] [--seconds S]\n"
      "                  [--repeat R] [--migrate-every M] [--peers N] [--svg FILE]\n\n"
      "Reproduces the paper's Figure 4: speedup and efficiency of the TSP genetic\n"
      "algorithm on 2, 3 and 4 heterogeneous peers, per problem size (default 50,100,200\n"
      "cities), each run lasting S seconds (default 4); islands interbreed every M\n"
      "generations (default 10) through a global variable. Needs root (cgroup limits).\n\n"
      "  (default)  on this host: peers are executors of an embedded virtual computer,\n"
      "             pinned to a core and CPU-limited; every rate is the median of R runs\n"
      "             (default 3)\n"
      "  --hosts    through agents: each peer is a ppp2p-runtime agent on a test host of its\n"
      "             own (a network namespace and a CPU quota, made by FILE, default\n"
      "             " PPP2P_HOSTS_SCRIPT "),\n"
      "             the client on a host of its own; R runs (default 5) of every setup,\n"
      "             interleaved with the plain runs they are compared with, reported as\n"
      "             median and range\n\n"
      "With --peers N (5 or more), peers get a core each (limited to 90, 75, 60 and 45 %%\n"
      "of it in turn) and setups are 2, 4, 8, ... and N peers; on one host every R_i then\n"
      "comes from one plain run of all N islands at once instead of N runs alone.\n"
      "Writes the chart as SVG to FILE if given.\n");
  std::exit(status);
}

} // namespace

Options parse(int argc, char** argv) {
  Options o;
  o.hosts_script = PPP2P_HOSTS_SCRIPT;
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
      std::string list = value();
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
      o.peers = int(whole(value(), 2, 64));
    } else if (flag == "--svg") {
      o.svg = value();
    } else if (flag == "--hosts") {
      o.hosts = true;
    } else if (flag == "--hosts-script") {
      o.hosts_script = value();
    } else if (flag == "--plain-island") { // internal, run by --hosts in a test host
      o.plain_island = value();
    } else {
      std::fprintf(stderr, "bench-fig4: unknown option '%s' (see --help)\n", flag.c_str());
      std::exit(2);
    }
  }
  if (o.peers > 4 && !o.hosts) {
    long cores = long(std::thread::hardware_concurrency());
    if (o.peers > cores - 1) {
      std::fprintf(stderr,
                   "bench-fig4: --peers %d needs %d cores on one host (a core each and one for "
                   "the client); this machine has %ld\n",
                   o.peers, o.peers + 1, cores);
      std::exit(2);
    }
  }
  if (o.repeat == 0)
    o.repeat = o.hosts ? 5 : 3;
  return o;
}

std::vector<Peer> two_core_peers() {
  // Shares of a core sum to at most 90 % per core; the rest is for the client and the I/O.
  return {{"P1", 0, 60}, {"P2", 1, 50}, {"P3", 1, 40}, {"P4", 0, 30}};
}

std::vector<Peer> peers_with_own_cores(int count) {
  static constexpr int kShares[] = {90, 75, 60, 45};
  std::vector<Peer> peers;
  for (int k = 0; k < count; ++k)
    peers.push_back({"P" + std::to_string(k + 1), k + 1, kShares[k % 4]});
  return peers;
}

std::vector<unsigned> setups_for(int peers) {
  std::vector<unsigned> setups;
  if (peers <= 4) {
    for (unsigned n = 2; n <= unsigned(peers); ++n)
      setups.push_back(n);
  } else {
    for (unsigned n = 2; n < unsigned(peers); n *= 2)
      setups.push_back(n);
    setups.push_back(unsigned(peers));
  }
  return setups;
}

} // namespace fig4
