// Results returned in memory (vectors, strings, aggregates) from calls at sites, including
// named return values and results assigned to existing locals.
#include "../oracle.hpp"

#include <string>
#include <vector>

struct Pair {
  std::string left;
  std::vector<long> right;
};

[[ppp2p::checkpointable]] std::vector<long> squares(int n) {
  std::vector<long> out; // named return value
  for (int i = 0; i < n; ++i) {
    out.push_back(long(i) * i);
    ppp2p::checkpoint();
  }
  return out;
}

[[ppp2p::checkpointable]] Pair make_pair_of(int n) {
  std::vector<long> right = squares(n);
  Pair p{std::string(std::size_t(n), 'q'), right};
  ppp2p::checkpoint();
  return p;
}

[[ppp2p::checkpointable]] std::string root(int n) {
  std::string out;
  std::vector<long> acc = squares(2);
  for (int i = 1; i <= n; ++i) {
    Pair p = make_pair_of(i);
    acc = squares(i + 1);
    out += p.left + std::to_string(p.right.back()) + ":" + std::to_string(acc.size()) + ",";
  }
  return out;
}

PPP2P_ORACLE_MAIN(root, 4)
