// Lambdas capturing codec-able values by value, live across sites.
#include "../oracle.hpp"

[[ppp2p::checkpointable]] long root(int n) {
  int base = 7;
  double scale = 1.5;
  auto affine = [base, scale](int x) { return long(x * scale) + base; };
  auto counter = [count = 0]() mutable { return ++count; };
  long acc = 0;
  for (int i = 0; i < n; ++i) {
    acc += affine(i) + counter();
    ppp2p::checkpoint();
    acc = acc * 2 + counter();
  }
  return acc;
}

PPP2P_ORACLE_MAIN(root, 9)
