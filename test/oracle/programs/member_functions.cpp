// Checkpointable member functions, written the way people write classes: private state, const
// and non-const members calling each other, a member of an object owned by a unique_ptr, a
// member function of a class template taking const& arguments and looping over one. `this`
// moves as a relocated pointer.
#include "../oracle.hpp"

#include <memory>
#include <string>
#include <vector>

class Graph {
public:
  explicit Graph(int n) : adj_(std::size_t(n)) {}
  void edge(int a, int b) {
    adj_[std::size_t(a)].push_back(b);
    adj_[std::size_t(b)].push_back(a);
  }

  [[ppp2p::checkpointable]] long bfs(int start) const {
    std::vector<int> dist(adj_.size(), -1);
    std::vector<int> queue{start};
    dist[std::size_t(start)] = 0;
    long sum = 0;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      int u = queue[head];
      ppp2p::checkpoint();
      for (int v : adj_[std::size_t(u)])
        if (dist[std::size_t(v)] < 0) {
          dist[std::size_t(v)] = dist[std::size_t(u)] + 1;
          queue.push_back(v);
          sum += dist[std::size_t(v)] * (v + 1);
        }
    }
    return sum + visits_;
  }

  [[ppp2p::checkpointable]] long all_sources() {
    long total = 0;
    for (int s = 0; s < int(adj_.size()); s += 3) {
      ++visits_;
      total += bfs(s);
    }
    return total;
  }

private:
  std::vector<std::vector<int>> adj_;
  int visits_ = 0;
};

// An aggregate with member functions, owned by a unique_ptr (a class with private state
// moves inside containers only with a serialize() member: not built yet).
struct Ledger {
  std::vector<long> entries;
  long balance = 0;

  [[ppp2p::checkpointable]] long settle(long fee) {
    for (long& entry : entries) {
      entry -= fee;
      balance += entry;
      ppp2p::checkpoint();
    }
    return balance;
  }
};

template <class T> class Accumulator {
public:
  [[ppp2p::checkpointable]] T add_all(const std::vector<T>& values, const T& scale) {
    for (const T& v : values) {
      total_ += v * scale;
      ppp2p::checkpoint();
    }
    return total_;
  }

private:
  T total_{};
};

[[ppp2p::checkpointable]] long run(int n) {
  Graph graph(n);
  for (int i = 0; i + 1 < n; ++i)
    graph.edge(i, i + 1);
  for (int i = 0; i + 4 < n; i += 2)
    graph.edge(i, i + 4);
  long paths = graph.all_sources();

  auto ledger = std::make_unique<Ledger>(Ledger{{10, 20, 30, long(n)}, 5});
  long settled = ledger->settle(2);

  Accumulator<long> sums;
  std::vector<long> values{4, 5, 6};
  long scale = 3;
  long total = sums.add_all(values, scale);
  return paths * 1000 + settled * 100 + total + ledger->balance;
}

PPP2P_ORACLE_MAIN(run, 14)
