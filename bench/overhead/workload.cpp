// A GA-like workload with a site per generation and nested checkpointable calls. Compiled three
// times into the benchmark from this same source: without the plugin (namespace plain), with it
// (with_ppp2p), and with it and a site inside every nested call (with_inner_sites).
#include <ppp2p/ppp2p.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace BENCH_VARIANT {

[[ppp2p::checkpointable]] double fitness(std::vector<int> genome) {
  double score = 0;
  for (std::size_t i = 0; i + 1 < genome.size(); ++i)
    score += (genome[i] * 31 + genome[i + 1] * 17) % 101;
#ifdef BENCH_INNER_SITE
  ppp2p::checkpoint(); // every nested call becomes a site of its caller
#endif
  return score;
}

[[ppp2p::checkpointable]] std::vector<std::vector<int>>
breed(std::vector<std::vector<int>> population, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, population.size() - 1);
  std::uniform_int_distribution<std::size_t> gene(0, population[0].size() - 1);
  std::vector<std::vector<int>> next;
  next.reserve(population.size());
  for (std::size_t i = 0; i < population.size(); ++i) {
    std::vector<int> child = population[pick(rng)];
    const std::vector<int>& other = population[pick(rng)];
    std::size_t cut = gene(rng);
    std::copy(other.begin() + std::ptrdiff_t(cut), other.end(),
              child.begin() + std::ptrdiff_t(cut));
    std::swap(child[gene(rng)], child[gene(rng)]);
    next.push_back(std::move(child));
  }
  return next;
}

[[ppp2p::checkpointable]] double evolve(int generations, int size, int genes) {
  std::mt19937 rng(42);
  std::vector<std::vector<int>> population(static_cast<std::size_t>(size),
                                           std::vector<int>(static_cast<std::size_t>(genes)));
  for (auto& genome : population)
    for (int& g : genome)
      g = int(rng() % 1000);
  double best = 0;
  for (int generation = 0; generation < generations; ++generation) {
    population = breed(population, unsigned(generation));
    for (std::size_t i = 0; i < population.size(); ++i)
      best = std::max(best, fitness(population[i]));
    ppp2p::checkpoint();
  }
  return best;
}

} // namespace BENCH_VARIANT
