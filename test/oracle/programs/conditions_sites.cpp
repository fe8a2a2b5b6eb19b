// Sites inside conditions: loop conditions, short-circuit operators, the conditional operator.
#include "../oracle.hpp"

[[ppp2p::checkpointable]] int next(int state) {
  ppp2p::checkpoint();
  return state - 1;
}

[[ppp2p::checkpointable]] bool positive(int value) {
  ppp2p::checkpoint();
  return value > 0;
}

[[ppp2p::checkpointable]] long root(int n) {
  long acc = 0;
  int state = n;
  while (positive(state = next(state)))
    acc += state;
  for (int i = 0; positive(n - i); ++i)
    acc += (i % 2 == 0 && positive(i)) ? next(i) : -next(-i);
  if (positive(3) || positive(-1))
    acc *= 2;
  do {
    acc += state;
  } while (positive(state++ - 2) && state < 5);
  return acc;
}

PPP2P_ORACLE_MAIN(root, 6)
