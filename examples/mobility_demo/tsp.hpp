// A travelling-salesman instance and a genetic algorithm that evolves tours for it: the
// workload of the paper's evaluation, written as ordinary C++ with one site per generation.
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
};

struct Params {
  int generations = 2500;
  int population = 300;
  unsigned seed = 1;
};

struct Tour {
  std::vector<int> order;
  double length = 0;
  int generation = 0; // when it was found
};

/// Reads a TSPLIB file with EUC_2D coordinates; throws std::runtime_error naming the problem.
Problem load_tsplib(const std::string& path);

/// `count` cities placed by a seeded generator: the same instance on every machine.
Problem random_problem(int count, unsigned seed);

double tour_length(const std::vector<City>& cities, const std::vector<int>& order);

/// The generation evolve() is working on, for progress reports (not part of its state).
extern std::atomic<int> current_generation;

/// Evolves a population for params.generations generations; checkpoint() after each.
[[ppp2p::checkpointable]] Tour evolve(Problem problem, Params params);

} // namespace tsp
