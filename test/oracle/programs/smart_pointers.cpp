// std::unique_ptr and std::shared_ptr of codec-able types (each shared_ptr gets its own copy).
#include "../oracle.hpp"

#include <memory>
#include <string>
#include <vector>

struct Node {
  int value;
  std::vector<std::string> tags;
};

[[ppp2p::checkpointable]] long root(int n) {
  std::unique_ptr<Node> owner = std::make_unique<Node>(Node{1, {}});
  std::shared_ptr<std::vector<int>> shared = std::make_shared<std::vector<int>>();
  std::unique_ptr<int> maybe;
  for (int i = 0; i < n; ++i) {
    owner->value = owner->value * 3 + i;
    owner->tags.push_back(std::to_string(i));
    shared->push_back(i * i);
    if (i == 4)
      maybe = std::make_unique<int>(42);
    ppp2p::checkpoint();
  }
  long s = owner->value + long(owner->tags.size()) + (maybe ? *maybe : -1);
  for (int v : *shared)
    s += v;
  return s;
}

PPP2P_ORACLE_MAIN(root, 8)
