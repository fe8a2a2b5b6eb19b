// Purpose: a range-for loop live across a site moves when its range is a local (its iterators
// move as distances; also over an unordered container, whose order a move keeps) or a
// reference parameter's (its iterators relocate, or move as distances from its begin()); one
// over a process-local global is refused once per loop, at the loop, with a note at the site
// and a hint.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <deque>
#include <map>
#include <unordered_map>
#include <unordered_set>
#include <vector>

[[ppp2p::checkpointable]] int step(int x) {
  ppp2p::checkpoint();
  return x + 1;
}

[[ppp2p::checkpointable]] int movable(std::vector<int> values, std::map<int, int> table) {
  int total = 0;
  for (int& v : values)
    v = step(v);
  for (auto& [key, value] : table)
    value += step(key);
  for (int v : values)
    total += step(v);
  return total + int(table.size());
}

[[ppp2p::checkpointable]] int unordered(std::unordered_set<int> seen,
                                        const std::unordered_map<int, int>& weights) {
  int total = 0;
  for (int v : seen)
    total += step(v);
  for (const auto& [key, weight] : weights)
    total += step(key * weight);
  return total;
}

// Not locals, iterators of more than one pointer: moved as distances from the range's begin().
[[ppp2p::checkpointable]] int elsewhere_deque(const std::deque<int>& queue, std::deque<int>& out) {
  int total = 0;
  for (int v : queue)
    total += step(v);
  for (int& v : out)
    v = step(v);
  return total;
}

[[ppp2p::process_local]] static std::vector<int> shared{1, 2, 3};

[[ppp2p::checkpointable]] int elsewhere() {
  int total = 0;
  for (int v : shared) // expected-error {{this range-for loop is live across a ppp2p site, but it cannot move to another process: its range is 'shared', a global variable of this process, which a snapshot does not hold}} expected-note {{hint: loop over an index}}
    total += step(v); // expected-note {{the loop is live across this site}}
  return total;
}
