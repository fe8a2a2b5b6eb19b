// Purpose: a lambda capturing by reference cannot move; one capturing values by value can.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

[[ppp2p::checkpointable]] int lambdas(int n) {
  int total = 0;
  auto by_value = [n](int x) { return x * n; };
  auto by_reference = [&total](int x) { total += x; }; // expected-error {{'by_reference' of type '(lambda at}} expected-note {{hint: capture by value}}
  ppp2p::checkpoint(); // expected-note {{'by_reference' is live across this site}}
  by_reference(by_value(2));
  return total;
}
