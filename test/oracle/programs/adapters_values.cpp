// Container adapters and value types live across sites: a Dijkstra loop over a
// std::priority_queue with std::greater<>, a depth-first search with a std::stack, a
// breadth-first search with a std::queue, priority_queues with a lambda comparator and with a
// comparator that has state, std::valarray, std::bitset, std::complex and std::chrono durations and
// time points.
#include "../oracle.hpp"

#include <bitset>
#include <chrono>
#include <climits>
#include <complex>
#include <functional>
#include <queue>
#include <stack>
#include <utility>
#include <valarray>
#include <vector>

using Graph = std::vector<std::vector<std::pair<int, int>>>; // (neighbour, weight)
using SimulatedClock =
    std::chrono::time_point<std::chrono::steady_clock, std::chrono::microseconds>;

// Orders distances by how close they are to a target: a comparator with state.
struct CloserTo {
  long target;
  bool operator()(long a, long b) const {
    long da = a > target ? a - target : target - a;
    long db = b > target ? b - target : target - b;
    return da > db || (da == db && a > b);
  }
};

struct Report {
  std::vector<long> distances;
  std::vector<long> nearest_to_median;
  std::vector<int> dfs_order;
  std::vector<int> bfs_order;
  std::vector<int> lightest_edges;
  std::valarray<double> load;
  std::bitset<40> reached;
  std::complex<double> spiral;
  std::chrono::microseconds busy;
  SimulatedClock finished;
};

// An ordinary helper: a connected graph with a few extra edges, the same for every run.
Graph make_graph(int n, unsigned seed) {
  Graph graph(n);
  auto add = [&graph](int a, int b, int w) {
    graph[a].emplace_back(b, w);
    graph[b].emplace_back(a, w);
  };
  for (int v = 1; v < n; ++v) {
    seed = seed * 1103515245u + 12345u;
    add(v, int((seed >> 8) % unsigned(v)), int((seed >> 4) % 20) + 1);
  }
  for (int extra = 0; extra < n; ++extra) {
    seed = seed * 1103515245u + 12345u;
    add(int((seed >> 3) % unsigned(n)), int((seed >> 13) % unsigned(n)), int((seed >> 7) % 9) + 1);
  }
  return graph;
}

[[ppp2p::checkpointable]] Report explore(int n, unsigned seed) {
  Graph graph = make_graph(n, seed);
  std::valarray<double> load(0.0, std::size_t(n));
  std::chrono::microseconds busy{0};
  SimulatedClock clock{};

  // Dijkstra from node 0: entries of equal distance make the heap's layout matter.
  using Entry = std::pair<long, int>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> frontier;
  std::vector<long> distances(std::size_t(n), LONG_MAX);
  distances[0] = 0;
  frontier.emplace(0, 0);
  std::priority_queue<long, std::vector<long>, CloserTo> nearest(CloserTo{long(n) * 2});
  while (!frontier.empty()) {
    auto [d, u] = frontier.top();
    frontier.pop();
    if (d > distances[u])
      continue;
    for (auto [v, w] : graph[u]) {
      if (d + w < distances[v]) {
        distances[v] = d + w;
        frontier.emplace(d + w, v);
      }
    }
    nearest.push(d);
    load[u] += double(d) / 3;
    busy += std::chrono::microseconds(d % 7 + 1);
    ppp2p::checkpoint();
  }

  // Depth-first order with an explicit stack.
  std::stack<int> pending;
  std::bitset<40> reached;
  std::vector<int> dfs_order;
  pending.push(0);
  while (!pending.empty()) {
    int u = pending.top();
    pending.pop();
    if (reached[u])
      continue;
    reached.set(u);
    dfs_order.push_back(u);
    for (auto& [v, w] : graph[u])
      if (!reached[v])
        pending.push(v);
    clock += std::chrono::microseconds(u + 1);
    ppp2p::checkpoint();
  }

  // Breadth-first order, keeping the five lightest edges seen with a lambda-ordered heap.
  auto heavier_first = [](const std::pair<int, int>& a, const std::pair<int, int>& b) {
    return a.second < b.second || (a.second == b.second && a.first < b.first);
  };
  std::priority_queue<std::pair<int, int>, std::vector<std::pair<int, int>>,
                      decltype(heavier_first)>
      lightest(heavier_first);
  std::queue<int> queue;
  std::bitset<40> queued;
  std::vector<int> bfs_order;
  std::complex<double> spiral(1.0, 0.0);
  queue.push(0);
  queued.set(0);
  while (!queue.empty()) {
    int u = queue.front();
    queue.pop();
    bfs_order.push_back(u);
    for (auto [v, w] : graph[u]) {
      lightest.emplace(u * 100 + v, w);
      if (lightest.size() > 5)
        lightest.pop();
      if (!queued[v]) {
        queued.set(v);
        queue.push(v);
      }
    }
    spiral *= std::polar(1.0 + 0.01 * u, 0.3);
    load = load * 0.9 + 1.0;
    ppp2p::checkpoint();
  }

  std::vector<int> lightest_edges;
  while (!lightest.empty()) {
    lightest_edges.push_back(lightest.top().first);
    lightest.pop();
    ppp2p::checkpoint();
  }
  std::vector<long> nearest_to_median;
  while (nearest_to_median.size() < 4 && !nearest.empty()) {
    nearest_to_median.push_back(nearest.top());
    nearest.pop();
    ppp2p::checkpoint();
  }
  clock += busy;
  return Report{distances, nearest_to_median, dfs_order, bfs_order, lightest_edges,
                load,      reached,           spiral,    busy,      clock};
}

PPP2P_ORACLE_MAIN(explore, 16, 7u)
