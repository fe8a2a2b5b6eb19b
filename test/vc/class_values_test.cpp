// Classes as people write them — private state, constructors, no serialize() member, no default
// constructor — crossing a virtual computer: as a spawned function's argument, as its result,
// as a message between VTs, as the object a member function is spawned on, and live across a
// migration in a vector. The plugin moves each field by field.
#include <ppp2p/ppp2p.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

class Graph {
public:
  explicit Graph(int nodes) : adjacency_(std::size_t(nodes)) {}
  void connect(int a, int b) {
    adjacency_[std::size_t(a)].push_back(b);
    adjacency_[std::size_t(b)].push_back(a);
  }
  int size() const { return int(adjacency_.size()); }

  // Sum over reachable nodes of distance * (node + 1), slowly enough to be migrated.
  [[ppp2p::checkpointable]] long bfs(int start) const {
    std::vector<int> dist(adjacency_.size(), -1);
    std::vector<int> queue{start};
    dist[std::size_t(start)] = 0;
    long sum = 0;
    for (std::size_t head = 0; head < queue.size(); ++head) {
      int u = queue[head];
      std::this_thread::sleep_for(std::chrono::microseconds(300));
      ppp2p::checkpoint();
      for (int v : adjacency_[std::size_t(u)])
        if (dist[std::size_t(v)] < 0) {
          dist[std::size_t(v)] = dist[std::size_t(u)] + 1;
          queue.push_back(v);
          sum += long(dist[std::size_t(v)]) * (v + 1);
        }
    }
    return sum;
  }

private:
  std::vector<std::vector<int>> adjacency_;
};

Graph ladder(int n) {
  Graph graph(n);
  for (int i = 0; i + 1 < n; ++i)
    graph.connect(i, i + 1);
  for (int i = 0; i + 5 < n; i += 3)
    graph.connect(i, i + 5);
  return graph;
}

class Stats {
public:
  Stats(std::string name, long count, long total)
      : name_(std::move(name)), count_(count), total_(total) {}
  const std::string& name() const { return name_; }
  long count() const { return count_; }
  long total() const { return total_; }
  Stats merged(const Stats& other) const {
    return Stats(name_ + "+" + other.name_, count_ + other.count_, total_ + other.total_);
  }

private:
  std::string name_;
  long count_;
  long total_;
};

// Takes a class by const&, keeps a vector of classes live across sites, returns a class.
[[ppp2p::checkpointable]] Stats degree_stats(const Graph& graph, const std::string& name) {
  std::vector<Stats> parts;
  for (int node = 0; node < graph.size(); ++node) {
    std::this_thread::sleep_for(std::chrono::microseconds(300));
    parts.emplace_back(name + std::to_string(node), 1, node * 2);
    ppp2p::checkpoint();
  }
  Stats all(name, 0, 0);
  for (const Stats& part : parts)
    all = Stats(name, all.count() + part.count(), all.total() + part.total());
  return all;
}

// VT 0 sends a Stats to VT 1, which merges it with its own and returns the result.
[[ppp2p::checkpointable]] Stats exchange_stats(int me) {
  Stats mine("vt" + std::to_string(me), me + 1, (me + 1) * 100);
  if (me == 0) {
    ppp2p::send(1, mine);
    return mine;
  }
  Stats theirs = ppp2p::receive<Stats>(0);
  return mine.merged(theirs);
}

TEST(ClassValues, AClassIsAnArgumentAndAResultAndMovesInAVectorAcrossMigrations) {
  Graph graph = ladder(120);
  Stats expected = degree_stats(graph, "deg");
  ppp2p::VirtualComputer vc({.workers = 2});
  auto vt = vc.spawn(degree_stats, graph, std::string("deg"));
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(vt.migrate(std::chrono::seconds(10)));
  EXPECT_TRUE(vt.migrate(std::chrono::seconds(10))) << "a second hop";
  Stats got = vt.get();
  EXPECT_EQ(got.name(), expected.name());
  EXPECT_EQ(got.count(), expected.count());
  EXPECT_EQ(got.total(), expected.total());
  EXPECT_EQ(vt.resumes(), 2u);
}

TEST(ClassValues, AMemberFunctionIsSpawnedOnACopyOfAClassWithPrivateState) {
  Graph graph = ladder(150);
  long expected = graph.bfs(4);
  ppp2p::VirtualComputer vc({.workers = 2});
  auto vt = vc.spawn(&Graph::bfs, graph, 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(vt.migrate(std::chrono::seconds(10)));
  EXPECT_EQ(vt.get(), expected);
  EXPECT_EQ(vt.resumes(), 1u);
}

TEST(ClassValues, AClassIsAMessageBetweenVirtualThreads) {
  ppp2p::VirtualComputer vc({.workers = 1}); // two VTs, one slot: the receiver lends it
  auto sender = vc.spawn(exchange_stats, 0);
  auto receiver = vc.spawn(exchange_stats, 1);
  Stats got = receiver.get();
  EXPECT_EQ(got.name(), "vt1+vt0");
  EXPECT_EQ(got.count(), 3);
  EXPECT_EQ(got.total(), 300);
  EXPECT_EQ(sender.get().name(), "vt0");
}

// Counts its live instances, as resource-owning classes do in effect.
class Counted {
public:
  explicit Counted(std::string tag) : tag_(std::move(tag)) { ++alive; }
  Counted(const Counted& other) : tag_(other.tag_) { ++alive; }
  Counted(Counted&& other) noexcept : tag_(std::move(other.tag_)) { ++alive; }
  ~Counted() { --alive; }
  const std::string& tag() const { return tag_; }
  static inline int alive = 0;

private:
  std::string tag_;
};

TEST(ClassValues, DecodingAClassRunsOneDestructorPerConstructor) {
  {
    std::vector<Counted> many;
    for (int i = 0; i < 5; ++i)
      many.emplace_back("counted number " + std::to_string(i));
    std::vector<std::byte> bytes;
    ppp2p::Writer out(bytes);
    ppp2p::encode(out, many);
    ppp2p::Reader in(bytes);
    auto copy = ppp2p::decode<std::vector<Counted>>(in);
    ASSERT_EQ(copy.size(), many.size());
    EXPECT_EQ(copy[3].tag(), "counted number 3");
    EXPECT_EQ(Counted::alive, 10);
  }
  // The fields a decode builds in raw storage are destroyed as fields: the class's destructor
  // runs only for objects a constructor of it made.
  EXPECT_EQ(Counted::alive, 0);
}

} // namespace
