// Purpose: a raw pointer live across a site is an error at the variable, with a note at the
// site and a hint.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

[[ppp2p::checkpointable]] int walk(int n) {
  int values[4] = {1, 2, 3, 4};
  int* cursor = values; // expected-error {{'cursor' of type 'int *' is live across a ppp2p site and cannot move to another process: raw pointers hold addresses of this process}} expected-note {{hint: keep the pointee by value (or in a std::unique_ptr), or store an index}}
  int sum = 0;
  for (int i = 0; i < n; ++i) {
    ppp2p::checkpoint(); // expected-note {{'cursor' is live across this site}}
    sum += *cursor++;
  }
  return sum;
}
