// The islands, in a VC and plainly. The only file of bench-fig4 that the plugin must see.
#include "cpu_limits.hpp"
#include "fig4.hpp"

#include <ppp2p/ppp2p.hpp>

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <set>
#include <stdexcept>

namespace {

struct Placed {
  int pid;
  bool pinned;
  unsigned long pid_namespace; // an agent's sandbox gives each executor its own: pids repeat
};

unsigned long pid_namespace() {
  struct stat ns {};
  return stat("/proc/self/ns/pid", &ns) == 0 ? ns.st_ino : 0;
}

} // namespace

/// One island on a peer: pins itself (core >= 0), tells the client its process, waits for the
/// start.
[[ppp2p::checkpointable]] tsp::Tour peer_island(tsp::Problem problem, tsp::Params params,
                                                int core) {
  bool pinned = core >= 0 && bench::pin_to_core(0, core);
  ppp2p::send(ppp2p::client, Placed{int(getpid()), pinned, pid_namespace()});
  (void)ppp2p::receive<int>(ppp2p::client); // the start signal, once the limit applies
  return tsp::evolve(problem, params);
}

namespace fig4 {

tsp::Params island_params(unsigned seed, const Options& o, bool interbreed) {
  tsp::Params params;
  params.generations = 1 << 30; // bounded by time
  params.population = 40;
  params.seed = seed;
  params.seconds = o.seconds;
  params.migrate_every = interbreed ? o.migrate_every : 0;
  return params;
}

double setup_rate(const tsp::Problem& problem, const Options& o, const std::vector<Peer>& peers,
                  unsigned count, const PlaceIsland& place) {
  ppp2p::VirtualComputer vc({.workers = count, .slots_per_worker = 1});
  if (vc.workers() < count)
    throw std::runtime_error("the VC enrolled " + std::to_string(vc.workers()) + " of " +
                             std::to_string(count) + " workers");
  std::vector<ppp2p::VirtualThread<tsp::Tour>> islands;
  for (unsigned k = 0; k < count; ++k)
    islands.push_back(vc.spawn(peer_island, problem, island_params(k + 1, o, true), peers[k].core));
  std::set<std::pair<unsigned long, int>> processes;
  for (unsigned k = 0; k < count; ++k) {
    Placed placed = vc.receive<Placed>(islands[k].id());
    if (peers[k].core >= 0 && !placed.pinned)
      std::fprintf(stderr, "bench-fig4: %s could not be pinned to core %d\n", peers[k].name.c_str(),
                   peers[k].core);
    if (!processes.insert({placed.pid_namespace, placed.pid}).second)
      throw std::runtime_error("two islands share an executor");
    place(k, placed.pid, placed.pinned);
  }
  auto start = std::chrono::steady_clock::now();
  for (auto& island : islands)
    vc.send(island.id(), 1);
  double moves = 0; // the unit of work: 2-opt moves evaluated
  for (auto& island : islands)
    moves += double(island.get().evaluated);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return moves / seconds / 1e6;
}

PlainIsland run_plain_island(const tsp::Problem& problem, unsigned seed, const Options& o) {
  auto start = std::chrono::steady_clock::now();
  timespec cpu0{}, cpu1{}, end{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu0);
  tsp::Tour tour = tsp::evolve(problem, island_params(seed, o, false));
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu1);
  clock_gettime(CLOCK_MONOTONIC, &end);
  PlainIsland island;
  island.evaluated = double(tour.evaluated);
  island.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  island.cpu = double(cpu1.tv_sec - cpu0.tv_sec) + 1e-9 * double(cpu1.tv_nsec - cpu0.tv_nsec);
  island.end_ns = (long long)end.tv_sec * 1000000000LL + end.tv_nsec;
  return island;
}

} // namespace fig4
