// A small genetic algorithm for a travelling-salesman instance: the shape of the paper's
// workload, with a site per generation and nested checkpointable calls.
#include "../oracle.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <vector>

struct City {
  double x, y;
};

struct Best {
  std::vector<int> tour;
  double length;
  int generation;
};

static double tour_length(const std::vector<City>& cities, const std::vector<int>& tour) {
  double length = 0;
  for (std::size_t i = 0; i < tour.size(); ++i) {
    const City& a = cities[tour[i]];
    const City& b = cities[tour[(i + 1) % tour.size()]];
    length += std::hypot(a.x - b.x, a.y - b.y);
  }
  return length;
}

[[ppp2p::checkpointable]] std::vector<std::vector<int>>
breed(std::vector<std::vector<int>> population, std::vector<City> cities, unsigned seed) {
  std::mt19937 rng(seed);
  std::sort(population.begin(), population.end(), [&](const auto& a, const auto& b) {
    return tour_length(cities, a) < tour_length(cities, b);
  });
  std::size_t keep = population.size() / 2;
  for (std::size_t i = keep; i < population.size(); ++i) {
    population[i] = population[i - keep];
    std::uniform_int_distribution<std::size_t> pick(0, cities.size() - 1);
    std::swap(population[i][pick(rng)], population[i][pick(rng)]);
  }
  ppp2p::checkpoint();
  return population;
}

[[ppp2p::checkpointable]] Best evolve(int generations) {
  std::vector<City> cities;
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> coord(0, 100);
  for (int i = 0; i < 12; ++i)
    cities.push_back({coord(rng), coord(rng)});
  std::vector<std::vector<int>> population(10, std::vector<int>(cities.size()));
  for (auto& tour : population) {
    std::iota(tour.begin(), tour.end(), 0);
    std::shuffle(tour.begin(), tour.end(), rng);
  }
  Best best{population[0], tour_length(cities, population[0]), 0};
  for (int g = 0; g < generations; ++g) {
    population = breed(population, cities, unsigned(g) * 31u + 1u);
    double length = tour_length(cities, population[0]);
    if (length < best.length)
      best = Best{population[0], length, g};
    ppp2p::checkpoint();
  }
  return best;
}

PPP2P_ORACLE_MAIN(evolve, 12)
