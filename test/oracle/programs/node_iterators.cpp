// Iterators of node containers kept across sites, as people keep them: a map cursor walked
// between sites, a find() result updated later, end() and reverse iterators held, list
// iterators used for insert and erase after a resume, a forward_list position, and range-for
// loops over a member map and a reference parameter's set (ranges that are not locals). With
// libstdc++ each is a pointer to a node, relocated into the node the codecs report.
#include "../oracle.hpp"

#include <forward_list>
#include <list>
#include <map>
#include <set>
#include <string>
#include <vector>

class Index {
public:
  void add(int term, int doc) { postings_[term].push_back(doc); }

  [[ppp2p::checkpointable]] long score(const std::set<int>& wanted) const {
    long total = 0;
    for (const auto& [term, docs] : postings_) { // a member: not a local range
      for (int doc : docs)
        total = (total * 31 + term * doc) % 1000003;
      ppp2p::checkpoint();
    }
    for (int term : wanted) { // a reference parameter's set
      auto hit = postings_.find(term);
      ppp2p::checkpoint();
      if (hit != postings_.end())
        total += long(hit->second.size()) * term;
    }
    return total;
  }

private:
  std::map<int, std::vector<int>> postings_;
};

[[ppp2p::checkpointable]] long run(int n) {
  std::map<std::string, int> counts;
  std::set<int> seen;
  std::list<int> queue;
  std::forward_list<int> stack;
  for (int i = 0; i < n; ++i) {
    counts["key" + std::to_string(i * 7 % n)] += i;
    seen.insert(i * i % 17);
    queue.push_back(i);
    stack.push_front(i * 5);
  }

  auto found = counts.find("key3");
  const auto stop = counts.end();
  auto last = seen.rbegin();
  long total = 0;
  for (auto cursor = counts.begin(); cursor != stop; ++cursor) {
    total += long(cursor->second) * long(cursor->first.size());
    ppp2p::checkpoint();
  }
  found->second += 100; // through an iterator kept across all of the sites above
  total += found->second + *last;

  auto pos = queue.begin();
  for (int i = 0; i < n; ++i) {
    pos = queue.insert(pos, i * 3); // before the element pos was at
    ++pos;
    ++pos;
    if (pos == queue.end())
      pos = queue.begin();
    ppp2p::checkpoint();
  }
  pos = queue.erase(pos);
  ppp2p::checkpoint();
  total += *pos;

  auto after = stack.begin();
  std::advance(after, n / 2);
  ppp2p::checkpoint();
  stack.insert_after(after, 999);

  Index index;
  for (int i = 0; i < n; ++i)
    index.add(i % 5, i);
  std::set<int> wanted{1, 3, 9};
  total += index.score(wanted);

  for (int v : queue)
    total = (total * 7 + v) % 1000000007;
  for (int v : stack)
    total = (total * 11 + v) % 1000000007;
  return total;
}

PPP2P_ORACLE_MAIN(run, 12)
