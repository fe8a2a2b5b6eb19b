// Purpose: an iterator of a node container (map, set, list) that a user keeps across a site is
// refused, with a hint that keys (or a range-for loop, whose iterators move) work; iterators of
// contiguous containers (vector, string) move as relocated pointers.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <map>
#include <string>
#include <vector>

[[ppp2p::checkpointable]] int lookup(std::map<int, int> table, int key) {
  auto found = table.find(key); // expected-error {{'found' of type 'iterator' (aka '_Rb_tree_iterator<std::pair<const int, int>>') is live across a ppp2p site and cannot move to another process: an iterator holds an address inside its container}} expected-note {{hint: keep an index or a key instead (a range-for loop's own iterators do move)}}
  ppp2p::checkpoint(); // expected-note {{'found' is live across this site}}
  return found == table.end() ? 0 : found->second;
}

[[ppp2p::checkpointable]] int scan(std::vector<int> values, std::string text) {
  auto it = values.begin();
  auto back = text.rbegin();
  ppp2p::checkpoint();
  return *it + *back;
}
