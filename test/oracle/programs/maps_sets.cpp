// Ordered and unordered maps and sets, including multi-variants.
#include "../oracle.hpp"

#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

struct Result {
  std::map<int, std::string> ordered;
  std::multimap<int, int> multi;
  std::set<std::string> names;
  std::multiset<int> bag;
  std::vector<std::pair<int, int>> unordered_sorted;
  long unordered_sum;
};

[[ppp2p::checkpointable]] Result root(int n) {
  std::map<int, std::string> ordered;
  std::multimap<int, int> multi;
  std::set<std::string> names;
  std::multiset<int> bag;
  std::unordered_map<int, int> counts;
  std::unordered_set<long> seen;
  std::unordered_multimap<int, int> pairs;
  for (int i = 0; i < n; ++i) {
    ordered[i % 4] += char('a' + i);
    multi.emplace(i % 3, i);
    names.insert("n" + std::to_string(i % 5));
    bag.insert(i % 2);
    counts[i % 6] += i;
    seen.insert(i * 1000L);
    pairs.emplace(i % 2, i);
    ppp2p::checkpoint();
  }
  std::map<int, int> sorted(counts.begin(), counts.end());
  long sum = 0;
  for (long v : seen)
    sum += v;
  for (auto& [k, v] : pairs)
    sum += k * 100 + v;
  return Result{ordered, multi, names, bag, {sorted.begin(), sorted.end()}, sum};
}

PPP2P_ORACLE_MAIN(root, 11)
