// Hash tables as people use them, with sites everywhere: a word count through a reference
// to the counter (`int& count = counts[word]`) kept across a site, range-for loops over a
// local unordered_map, over a member unordered_set and over a const& parameter's
// unordered_map, find() results and end() kept, a multimap's equal range walked between
// sites. Order-dependent sums: a resumed loop must continue in the order it was going.
#include "../oracle.hpp"

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

class Visits {
public:
  void see(int node) { seen_.insert(node); }
  bool seen(int node) const { return seen_.count(node) != 0; }

  [[ppp2p::checkpointable]] long digest() const {
    long h = 17;
    for (int node : seen_) { // a member: not a local range
      h = (h * 131 + node) % 1000000007;
      ppp2p::checkpoint();
    }
    return h;
  }

private:
  std::unordered_set<int> seen_;
};

[[ppp2p::checkpointable]] long bfs(const std::unordered_map<int, std::vector<int>>& graph,
                                   int start) {
  Visits visits;
  std::vector<int> frontier{start};
  visits.see(start);
  while (!frontier.empty()) {
    std::vector<int> next;
    for (int u : frontier) {
      auto edges = graph.find(u);
      ppp2p::checkpoint(); // `edges` and `graph` live across it
      if (edges == graph.end())
        continue;
      for (int v : edges->second)
        if (!visits.seen(v)) {
          visits.see(v);
          next.push_back(v);
        }
    }
    frontier = next;
  }
  long degree_mix = 0;
  for (const auto& [node, edges] : graph) { // a const& parameter's hash map
    degree_mix = (degree_mix * 31 + node * long(edges.size())) % 1000000007;
    ppp2p::checkpoint();
  }
  return visits.digest() ^ degree_mix;
}

[[ppp2p::checkpointable]] long run(int n) {
  std::vector<std::string> words;
  for (int i = 0; i < n * 4; ++i)
    words.push_back("w" + std::to_string(i * i % (n + 3)));

  std::unordered_map<std::string, int> counts;
  for (const std::string& word : words) {
    int& count = counts[word];
    ppp2p::checkpoint(); // the reference into the table's node moves with it
    ++count;
  }

  long total = 0;
  for (auto& [word, count] : counts) { // a local hash map, in its own order
    total = (total * 37 + count * long(word.size())) % 1000000007;
    count *= 2;
    ppp2p::checkpoint();
  }

  auto rare = counts.find("w1");
  auto missing = counts.find("absent");
  ppp2p::checkpoint();
  if (rare != counts.end())
    total += rare->second;
  if (missing == counts.end())
    total += 1;

  std::unordered_multimap<int, int> by_length;
  for (const auto& [word, count] : counts)
    by_length.emplace(int(word.size()), count);
  auto stop = by_length.equal_range(3).second;
  for (auto at = by_length.equal_range(3).first; at != stop; ++at) {
    total = (total * 7 + at->second) % 1000000007;
    ppp2p::checkpoint();
  }

  std::unordered_map<int, std::vector<int>> graph;
  for (int i = 0; i < n; ++i)
    graph[i] = {(i * 3 + 1) % n, (i * 5 + 2) % n};
  total ^= bfs(graph, 0);
  return total;
}

PPP2P_ORACLE_MAIN(run, 10)
