// A site inside a callee inside a callee; values in every frame; results of sites combined.
#include "../oracle.hpp"

[[ppp2p::checkpointable]] long leaf(long x, int rounds) {
  long acc = x;
  for (int r = 0; r < rounds; ++r) {
    acc = acc * 31 + r;
    ppp2p::checkpoint();
  }
  return acc % 1000003;
}

[[ppp2p::checkpointable]] long middle(int n) {
  long total = 0;
  for (int i = 0; i < n; ++i) {
    long a = leaf(i, 3);
    total += a + leaf(a, 2); // the first result is live across the second call
  }
  return total;
}

[[ppp2p::checkpointable]] long root(int n) {
  long sum = 0;
  for (int k = 1; k <= n; ++k)
    sum = sum * 7 + middle(k);
  return sum;
}

PPP2P_ORACLE_MAIN(root, 4)
