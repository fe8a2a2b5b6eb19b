// Purpose: iterators users keep across a site move as relocated pointers — of contiguous
// containers (vector, string) and, with libstdc++, of node containers (map, set, list and the
// unordered ones), whose nodes the codecs report as heap regions; iterators of deques are
// refused, with a hint that keys (or a range-for loop, whose iterators move) work.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <deque>
#include <list>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

[[ppp2p::checkpointable]] int lookup(std::map<int, int> table, int key) {
  auto found = table.find(key); // moves: a pointer to its node, or to the map's header (end())
  ppp2p::checkpoint();
  return found == table.end() ? 0 : found->second;
}

[[ppp2p::checkpointable]] int walk(std::list<int> items, std::set<int> seen) {
  auto item = items.begin();
  auto last = seen.crbegin();
  ppp2p::checkpoint();
  return *item + *last;
}

[[ppp2p::checkpointable]] int hashed(std::unordered_map<int, int> table,
                                     const std::unordered_set<int>& seen, int key) {
  auto found = table.find(key); // moves: a pointer to its node (or null: end())
  std::unordered_set<int>::const_iterator hit = seen.find(key);
  ppp2p::checkpoint();
  return (found == table.end() ? 0 : found->second) + (hit == seen.end() ? 0 : *hit);
}

[[ppp2p::checkpointable]] int queued(std::deque<int> values) {
  auto front = values.begin(); // expected-error {{is live across a ppp2p site and cannot move to another process: an iterator holds an address inside its container}} expected-note {{hint: keep an index or a key instead}}
  ppp2p::checkpoint(); // expected-note {{'front' is live across this site}}
  return *front;
}

[[ppp2p::checkpointable]] int scan(std::vector<int> values, std::string text) {
  auto it = values.begin();
  auto back = text.rbegin();
  ppp2p::checkpoint();
  return *it + *back;
}
