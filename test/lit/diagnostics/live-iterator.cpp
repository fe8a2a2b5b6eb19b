// Purpose: an iterator a user keeps across a site points into its container's memory: refused,
// with a hint that indices (or a range-for loop, whose iterators move) work.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <map>

[[ppp2p::checkpointable]] int lookup(std::map<int, int> table, int key) {
  auto found = table.find(key); // expected-error {{'found' of type 'iterator' (aka '_Rb_tree_iterator<std::pair<const int, int>>') is live across a ppp2p site and cannot move to another process: an iterator holds an address inside its container}} expected-note {{hint: keep an index or a key instead (a range-for loop's own iterators do move)}}
  ppp2p::checkpoint(); // expected-note {{'found' is live across this site}}
  return found == table.end() ? 0 : found->second;
}
