// Void checkpointable callees and callees whose result is ignored.
#include "../oracle.hpp"

#include <vector>

[[ppp2p::checkpointable]] void pause_a_while(int rounds) {
  for (int i = 0; i < rounds; ++i)
    ppp2p::checkpoint();
}

[[ppp2p::checkpointable]] int noisy(int x) {
  pause_a_while(x % 3);
  return x * x;
}

[[ppp2p::checkpointable]] std::vector<int> root(int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) {
    pause_a_while(1);
    noisy(i); // result ignored
    out.push_back(noisy(i + 1) - i);
  }
  return out;
}

PPP2P_ORACLE_MAIN(root, 6)
