// Purpose: pointers and references live across a site move relocated (no diagnostic), unless
// the AST shows them pointing into a global of this process, or to a process resource.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <mutex>
#include <string>
#include <vector>

struct Point {
  int x, y;
};

[[ppp2p::checkpointable]] int walk(int n, const std::vector<int>& weights, Point& origin) {
  int values[4] = {1, 2, 3, 4};
  int* cursor = values;          // into a local: relocated
  int& y = origin.y;             // into a caller's object: relocated
  const char* label = "walk";    // a string literal: found again by its module
  int sum = 0;
  for (int i = 0; i < n; ++i) {
    ppp2p::checkpoint();
    sum += *cursor++ + weights[std::size_t(i)] + y + label[0];
  }
  return sum;
}

[[ppp2p::process_local]] int hits[8];
[[ppp2p::process_local]] static std::mutex guard;

[[ppp2p::checkpointable]] int tally(int n) {
  int* slot = &hits[n % 8]; // expected-error {{'slot' of type 'int *' is live across a ppp2p site and points into 'hits', a global variable of this process, which a snapshot does not hold}} expected-note {{hint: keep an index into 'hits' instead}}
  int* again = nullptr;
  again = hits + 1; // expected-error@-1 {{'again' of type 'int *' is live across a ppp2p site and points into 'hits'}} expected-note@-1 {{hint: keep an index into 'hits' instead}}
  std::mutex* lock = &guard; // expected-error {{'lock' of type 'std::mutex *' is live across a ppp2p site and cannot move to another process: a synchronisation object belongs to the threads of this process}} expected-note {{hint: keep it outside checkpointable functions}}
  ppp2p::checkpoint(); // expected-note 3 {{is live across this site}}
  lock->lock();
  lock->unlock();
  return *slot + *again;
}
