// Structured bindings by value of aggregates, used after sites.
#include "../oracle.hpp"

#include <string>

struct Sample {
  int id;
  double weight;
  std::string name;
};

[[ppp2p::checkpointable]] Sample make(int i) {
  ppp2p::checkpoint();
  return Sample{i, i * 0.25, "s" + std::to_string(i)};
}

[[ppp2p::checkpointable]] std::string root(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    auto [id, weight, name] = make(i);
    ppp2p::checkpoint();
    out += name + ":" + std::to_string(id * weight) + ";";
  }
  return out;
}

PPP2P_ORACLE_MAIN(root, 5)
