#include "tsp.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>

namespace tsp {

[[ppp2p::process_local]] std::atomic<int> current_generation{0};

Problem load_tsplib(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error("cannot open " + path);
  Problem problem;
  std::string line;
  bool coordinates = false;
  int expected = -1;
  while (std::getline(in, line)) {
    if (line.rfind("NAME", 0) == 0) {
      problem.name = line.substr(line.find(':') + 1);
      problem.name.erase(0, problem.name.find_first_not_of(' '));
    } else if (line.rfind("OPTIMUM", 0) == 0) {
      problem.optimum = std::stol(line.substr(line.find(':') + 1));
    } else if (line.rfind("DIMENSION", 0) == 0) {
      expected = std::stoi(line.substr(line.find(':') + 1));
    } else if (line.rfind("EDGE_WEIGHT_TYPE", 0) == 0 && line.find("EUC_2D") == std::string::npos) {
      throw std::runtime_error(path + ": only EUC_2D instances are supported");
    } else if (line.rfind("NODE_COORD_SECTION", 0) == 0) {
      coordinates = true;
    } else if (line.rfind("EOF", 0) == 0) {
      break;
    } else if (coordinates) {
      std::istringstream fields(line);
      int index;
      City city;
      if (fields >> index >> city.x >> city.y)
        problem.cities.push_back(city);
      else if (!line.empty())
        throw std::runtime_error(path + ": bad coordinate line: " + line);
    }
  }
  if (problem.cities.size() < 4)
    throw std::runtime_error(path + ": needs at least 4 cities");
  if (expected >= 0 && int(problem.cities.size()) != expected)
    throw std::runtime_error(path + ": DIMENSION says " + std::to_string(expected) + ", found " +
                             std::to_string(problem.cities.size()) + " cities");
  return problem;
}

Problem random_problem(int count, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> coordinate(0, 1000);
  Problem problem{"random" + std::to_string(count), {}};
  for (int i = 0; i < count; ++i)
    problem.cities.push_back({std::round(coordinate(rng)), std::round(coordinate(rng))});
  return problem;
}

double tour_length(const std::vector<City>& cities, const std::vector<int>& order) {
  double length = 0;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const City& a = cities[order[i]];
    const City& b = cities[order[(i + 1) % order.size()]];
    length += std::nearbyint(std::sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)));
  }
  return length;
}

namespace {

using Distances = std::vector<double>; // n x n, TSPLIB-rounded

Distances distance_matrix(const std::vector<City>& cities) {
  std::size_t n = cities.size();
  Distances d(n * n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double dx = cities[i].x - cities[j].x, dy = cities[i].y - cities[j].y;
      d[i * n + j] = std::nearbyint(std::sqrt(dx * dx + dy * dy));
    }
  return d;
}

double length_of(const Distances& d, std::size_t n, const std::vector<int>& order) {
  double length = 0;
  for (std::size_t i = 0; i < n; ++i)
    length += d[std::size_t(order[i]) * n + std::size_t(order[(i + 1) % n])];
  return length;
}

/// 2-opt local search: reverses segments while that shortens the tour (first improvement, a
/// few passes at most). Returns how many moves it evaluated (the unit of work: a generation's
/// cost varies with how far its children are from 2-opt optima).
std::uint64_t two_opt(const Distances& d, std::size_t n, std::vector<int>& order) {
  std::uint64_t evaluated = 0;
  for (int pass = 0; pass < 4; ++pass) {
    bool improved = false;
    for (std::size_t i = 0; i + 2 < n; ++i) {
      evaluated += n - i - 2;
      auto a = std::size_t(order[i]), b = std::size_t(order[i + 1]);
      for (std::size_t j = i + 2; j < n; ++j) {
        auto c = std::size_t(order[j]), e = std::size_t(order[(j + 1) % n]);
        if (c == a || e == a)
          continue;
        double delta = d[a * n + c] + d[b * n + e] - d[a * n + b] - d[c * n + e];
        if (delta < -1e-9) {
          std::reverse(order.begin() + std::ptrdiff_t(i + 1),
                       order.begin() + std::ptrdiff_t(j + 1));
          b = std::size_t(order[i + 1]);
          improved = true;
        }
      }
    }
    if (!improved)
      return evaluated;
  }
  return evaluated;
}

/// Order crossover: a slice of one parent, the rest in the other parent's order.
std::vector<int> crossover(const std::vector<int>& a, const std::vector<int>& b,
                           std::mt19937& rng) {
  std::size_t n = a.size();
  std::uniform_int_distribution<std::size_t> pick(0, n - 1);
  std::size_t from = pick(rng), to = pick(rng);
  if (from > to)
    std::swap(from, to);
  std::vector<int> child(n, -1);
  std::vector<char> used(n, 0);
  for (std::size_t i = from; i <= to; ++i) {
    child[i] = a[i];
    used[std::size_t(a[i])] = 1;
  }
  std::size_t next = (to + 1) % n;
  for (std::size_t k = 0; k < n; ++k) {
    int city = b[(to + 1 + k) % n];
    if (!used[std::size_t(city)]) {
      child[next] = city;
      next = (next + 1) % n;
    }
  }
  return child;
}

/// A double-bridge move: cuts the tour in four and reconnects it (escapes 2-opt optima).
void double_bridge(std::vector<int>& order, std::mt19937& rng) {
  std::size_t n = order.size();
  if (n < 8)
    return;
  std::uniform_int_distribution<std::size_t> pick(1, n - 1);
  std::size_t cuts[3] = {pick(rng), pick(rng), pick(rng)};
  std::sort(cuts, cuts + 3);
  std::vector<int> out;
  out.reserve(n);
  out.insert(out.end(), order.begin(), order.begin() + std::ptrdiff_t(cuts[0]));
  out.insert(out.end(), order.begin() + std::ptrdiff_t(cuts[2]), order.end());
  out.insert(out.end(), order.begin() + std::ptrdiff_t(cuts[1]),
             order.begin() + std::ptrdiff_t(cuts[2]));
  out.insert(out.end(), order.begin() + std::ptrdiff_t(cuts[0]),
             order.begin() + std::ptrdiff_t(cuts[1]));
  order = std::move(out);
}

/// Offers this island's best tour to the elite pool (one atomic update: add, sort, keep the
/// best distinct ones) and replaces the island's worst tours by the pool's better ones.
void interbreed(Tour& best, std::vector<std::vector<int>>& population, std::vector<double>& lengths,
                int pool_size, int generation) {
  std::vector<Tour> elite =
      ppp2p::global<std::vector<Tour>>(kElitePool).update([&](std::vector<Tour>& pool) {
        bool known = std::any_of(pool.begin(), pool.end(),
                                 [&](const Tour& t) { return t.order == best.order; });
        if (!known)
          pool.push_back(Tour{best.order, best.length, generation});
        std::sort(pool.begin(), pool.end(),
                  [](const Tour& a, const Tour& b) { return a.length < b.length; });
        if (pool.size() > std::size_t(pool_size))
          pool.resize(std::size_t(pool_size));
        return pool;
      });
  std::vector<std::size_t> by_length(population.size());
  std::iota(by_length.begin(), by_length.end(), std::size_t(0));
  std::sort(by_length.begin(), by_length.end(),
            [&](std::size_t a, std::size_t b) { return lengths[a] > lengths[b]; }); // worst first
  std::size_t replaced = 0;
  double own = best.length;
  for (const Tour& tour : elite) {
    if (tour.length >= own || replaced + 1 >= population.size())
      continue; // only better tours come in; the island's best stays
    population[by_length[replaced]] = tour.order;
    lengths[by_length[replaced]] = tour.length;
    ++replaced;
    if (tour.length < best.length)
      best = Tour{tour.order, tour.length, generation};
  }
}

} // namespace

Tour evolve(Problem problem, Params params) {
  std::mt19937 rng(params.seed);
  std::size_t n = problem.cities.size();
  Distances distances = distance_matrix(problem.cities);
  std::vector<std::vector<int>> population(std::size_t(params.population));
  std::vector<double> lengths(population.size());
  for (std::size_t i = 0; i < population.size(); ++i) {
    population[i].resize(n);
    std::iota(population[i].begin(), population[i].end(), 0);
    std::shuffle(population[i].begin(), population[i].end(), rng);
    (void)two_opt(distances, n, population[i]);
    lengths[i] = length_of(distances, n, population[i]);
  }
  std::size_t first =
      std::size_t(std::min_element(lengths.begin(), lengths.end()) - lengths.begin());
  Tour best{population[first], lengths[first], 0};
  std::uniform_int_distribution<std::size_t> member(0, population.size() - 1);
  std::uniform_real_distribution<double> chance(0, 1);
  auto started = std::chrono::steady_clock::now();
  std::uint64_t evaluated = 0;
  int generation = 1;
  for (; generation <= params.generations; ++generation) {
    if (params.seconds > 0 &&
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count() >=
            params.seconds)
      break;
    current_generation.store(generation, std::memory_order_relaxed);
    std::vector<std::vector<int>> next;
    next.reserve(population.size());
    next.push_back(best.order); // elitism
    while (next.size() < population.size()) {
      std::size_t a = member(rng), b = member(rng), c = member(rng), e = member(rng);
      const std::vector<int>& mother = lengths[a] < lengths[b] ? population[a] : population[b];
      const std::vector<int>& father = lengths[c] < lengths[e] ? population[c] : population[e];
      std::vector<int> child = crossover(mother, father, rng);
      if (chance(rng) < 0.2)
        double_bridge(child, rng);
      evaluated += two_opt(distances, n, child);
      next.push_back(std::move(child));
    }
    population = std::move(next);
    for (std::size_t i = 0; i < population.size(); ++i) {
      lengths[i] = length_of(distances, n, population[i]);
      if (lengths[i] < best.length)
        best = Tour{population[i], lengths[i], generation};
    }
    if (params.migrate_every > 0 && generation % params.migrate_every == 0)
      interbreed(best, population, lengths, params.pool_size, generation);
    if (params.count_generations && params.report_every > 0 &&
        generation % params.report_every == 0) {
      int done = params.report_every;
      ppp2p::global<long>("tsp.generations").update([&](long& total) { total += done; });
    }
    if (params.report_every > 0 && generation % params.report_every == 0)
      ppp2p::report(Progress{generation, best.length, params.seed});
    ppp2p::checkpoint();
  }
  best.generations = generation - 1;
  best.evaluated = evaluated;
  return best;
}

} // namespace tsp
