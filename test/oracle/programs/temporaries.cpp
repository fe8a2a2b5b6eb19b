// Values of expressions live across sites: operands computed before a call and used after it.
#include "../oracle.hpp"

#include <algorithm>

[[ppp2p::checkpointable]] int f(int x) {
  ppp2p::checkpoint();
  return x * 2 + 1;
}

[[ppp2p::checkpointable]] double g(double x) {
  ppp2p::checkpoint();
  return x / 4;
}

[[ppp2p::checkpointable]] long root(int n) {
  long acc = 0;
  for (int i = 0; i < n; ++i) {
    int a = i + 3;
    acc += a + f(i);               // a loaded before the call
    acc += f(i) * f(i + 1) - f(a); // results live across later calls
    double d = g(a) + g(i) * 2.0;
    acc += long(d * 8);
    acc += std::max(a, f(a)) + (i % 2 ? f(i) : -f(-i));
    acc = acc * 3 % 1000003 + (f(i) > 5 && f(a) < 100);
  }
  return acc;
}

PPP2P_ORACLE_MAIN(root, 5)
