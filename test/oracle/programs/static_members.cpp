// Static member functions as checkpointable functions calling each other.
#include "../oracle.hpp"

#include <vector>

struct Solver {
  [[ppp2p::checkpointable]] static int step(int x) {
    int y = x * x % 97;
    ppp2p::checkpoint();
    return y + 1;
  }
  [[ppp2p::checkpointable]] static std::vector<int> solve(int n);
};

std::vector<int> Solver::solve(int n) {
  std::vector<int> out;
  int x = 3;
  for (int i = 0; i < n; ++i) {
    x = step(x + i);
    out.push_back(x);
  }
  return out;
}

PPP2P_ORACLE_MAIN(Solver::solve, 10)
