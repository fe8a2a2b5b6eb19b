// Recursion of depth 2000 with sites at several depths, values in every frame.
#include "../oracle.hpp"

[[ppp2p::checkpointable]] long descend(int depth, long carry) {
  long local = carry * 3 + depth;
  if (depth % 500 == 0 || depth == 1999)
    ppp2p::checkpoint();
  if (depth == 1999)
    return local % 1000000007;
  long below = descend(depth + 1, local % 1000003);
  if (depth % 700 == 0)
    ppp2p::checkpoint();
  return (below + local) % 1000000007;
}

[[ppp2p::checkpointable]] long root(int start) {
  return descend(start, 1);
}

PPP2P_ORACLE_MAIN(root, 0)
