// Classes as people write them, live across sites with no serialize() member and no default
// constructor: private state, member functions called between sites, a class holding another
// class, and a derived class. The plugin moves them field by field from their layout.
#include "../oracle.hpp"

#include <cstdint>
#include <queue>
#include <string>
#include <utility>
#include <vector>

class Graph {
public:
  explicit Graph(int nodes) : adjacency_(std::size_t(nodes)) {}
  void connect(int a, int b) {
    adjacency_[std::size_t(a)].push_back(b);
    adjacency_[std::size_t(b)].push_back(a);
    ++edges_;
  }
  const std::vector<int>& neighbours(int node) const { return adjacency_[std::size_t(node)]; }
  int size() const { return int(adjacency_.size()); }
  long edges() const { return edges_; }

private:
  std::vector<std::vector<int>> adjacency_;
  long edges_ = 0;
};

class BigNumber {
public:
  explicit BigNumber(std::uint32_t value) : limbs_{value} {}
  void multiply(std::uint32_t factor) {
    std::uint64_t carry = 0;
    for (std::uint32_t& limb : limbs_) {
      std::uint64_t product = std::uint64_t(limb) * factor + carry;
      limb = std::uint32_t(product);
      carry = product >> 32;
    }
    if (carry)
      limbs_.push_back(std::uint32_t(carry));
  }
  std::uint64_t digest() const {
    std::uint64_t hash = 1469598103934665603ULL;
    for (std::uint32_t limb : limbs_)
      hash = (hash ^ limb) * 1099511628211ULL;
    return hash;
  }

private:
  std::vector<std::uint32_t> limbs_;
};

class Named {
public:
  explicit Named(std::string name) : name_(std::move(name)) {}
  const std::string& name() const { return name_; }

protected:
  std::string name_;
};

class Counter : public Named { // a derived class holding another class
public:
  Counter(std::string name, std::uint32_t start) : Named(std::move(name)), total_(start) {}
  void add(std::uint32_t factor) {
    total_.multiply(factor);
    ++steps_;
  }
  std::uint64_t digest() const { return total_.digest() ^ std::uint64_t(steps_) ^ name_.size(); }

private:
  BigNumber total_;
  int steps_ = 0;
};

[[ppp2p::checkpointable]] std::uint64_t explore(int nodes) {
  Graph graph(nodes);
  for (int i = 1; i < nodes; ++i) {
    graph.connect(i, (i * 7) % i);
    if (i % 5 == 0)
      ppp2p::checkpoint();
  }
  BigNumber factorial(1);
  Counter counter("visits", 3);
  std::vector<int> distance(std::size_t(graph.size()), -1);
  std::queue<int> frontier;
  frontier.push(0);
  distance[0] = 0;
  while (!frontier.empty()) {
    int node = frontier.front();
    frontier.pop();
    factorial.multiply(std::uint32_t(node + 1));
    counter.add(std::uint32_t(distance[std::size_t(node)] + 2));
    ppp2p::checkpoint();
    for (std::size_t k = 0; k < graph.neighbours(node).size(); ++k) {
      int next = graph.neighbours(node)[k];
      if (distance[std::size_t(next)] < 0) {
        distance[std::size_t(next)] = distance[std::size_t(node)] + 1;
        frontier.push(next);
      }
    }
  }
  std::uint64_t sum = factorial.digest() ^ counter.digest() ^ std::uint64_t(graph.edges());
  for (int d : distance)
    sum = sum * 31 + std::uint64_t(d + 1);
  return sum + counter.name().size();
}

PPP2P_ORACLE_MAIN(explore, 24)
