// Structured bindings by value of aggregates and of tuple-like types (pair, tuple, whose
// bindings refer into the hidden object and are relocated with it), used after sites.
#include "../oracle.hpp"

#include <string>
#include <tuple>
#include <utility>

struct Sample {
  int id;
  double weight;
  std::string name;
};

[[ppp2p::checkpointable]] Sample make(int i) {
  ppp2p::checkpoint();
  return Sample{i, i * 0.25, "s" + std::to_string(i)};
}

[[ppp2p::checkpointable]] std::pair<std::string, int> label(int i) {
  ppp2p::checkpoint();
  return {"l" + std::to_string(i), i * 7};
}

[[ppp2p::checkpointable]] std::string root(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    auto [id, weight, name] = make(i);
    ppp2p::checkpoint();
    out += name + ":" + std::to_string(id * weight) + ";";
    auto [text, number] = label(i);
    auto [x, y, z] = std::tuple<int, std::string, double>(i, "t", i * 0.5);
    ppp2p::checkpoint();
    number += x;
    text += y;
    out += text + std::to_string(number) + std::to_string(z);
  }
  return out;
}

PPP2P_ORACLE_MAIN(root, 5)
