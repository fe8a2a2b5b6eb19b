// A travelling-salesman instance and a genetic algorithm that evolves tours for it: the
// workload of the paper's evaluation, written as ordinary C++ with one site per generation.
// Used by examples/tsp_ga (islands on a virtual computer) and examples/mobility_demo.
#pragma once

#include <ppp2p/ppp2p.hpp>

#include <atomic>
#include <string>
#include <vector>

namespace tsp {

struct City {
  double x, y;
};

struct Problem {
  std::string name;
  std::vector<City> cities;
  long optimum = 0; // the known optimal tour length (TSPLIB's OPTIMUM), 0 if unknown
};

struct Params {
  int generations = 300;
  int population = 40;
  unsigned seed = 1;
  int report_every = 0; // report a Progress every so many generations (0: never)
  /// With report_every: also add the generations done to the VC's global "tsp.generations"
  /// (how far all islands have got; exact, as every update is applied once).
  bool count_generations = false;
  /// Interbreeding: every so many generations the island offers its best tour to the VC's
  /// global elite pool and takes the pool's best tours into its population (0: isolated).
  int migrate_every = 0;
  int pool_size = 4; // tours the elite pool keeps
  /// For rate benchmarks: stop after this much wall time (0: run all generations). Not
  /// deterministic, so a VT resumed from a checkpoint may stop at another generation.
  double seconds = 0;
};

/// A partial result: how far an evolution has got.
struct Progress {
  int generation;
  double best;
  unsigned seed;
};

struct Tour {
  std::vector<int> order;
  double length = 0;
  int generation = 0;  // when it was found
  int generations = 0; // how many the evolution ran (set on the result of evolve)
  /// 2-opt moves evaluated by those generations: their work, in a unit of constant cost.
  std::uint64_t evaluated = 0;
};

/// Reads a TSPLIB file with EUC_2D coordinates (and OPTIMUM if given); throws
/// std::runtime_error naming the problem.
Problem load_tsplib(const std::string& path);

/// `count` cities placed by a seeded generator: the same instance on every machine.
Problem random_problem(int count, unsigned seed);

/// TSPLIB EUC_2D length: each edge's Euclidean distance rounded to the nearest integer.
double tour_length(const std::vector<City>& cities, const std::vector<int>& order);

/// The generation evolve() is working on, for progress reports: not part of its state, so
/// process_local (a resumed run sets it again at its next generation).
[[ppp2p::process_local]] extern std::atomic<int> current_generation;

/// The global variable of the elite pool islands interbreed through.
inline constexpr const char* kElitePool = "tsp.elite";

/// Evolves a population (order crossover, double-bridge mutation, 2-opt local search of every
/// child, elitism) for params.generations generations; checkpoint() after each,
/// ppp2p::report(Progress) every params.report_every generations, and interbreeding through
/// the global kElitePool every params.migrate_every generations (inside a virtual thread).
[[ppp2p::checkpointable]] Tour evolve(Problem problem, Params params);

} // namespace tsp
