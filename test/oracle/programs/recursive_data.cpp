// Recursive data (a tree of aggregates holding vectors of themselves), vectors of unique_ptr,
// and a lambda passed by value into a function template, all live across sites.
#include "../oracle.hpp"

#include <memory>
#include <string>
#include <vector>

struct Tree {
  int value;
  std::vector<Tree> children;
};

[[ppp2p::checkpointable]] long sum_tree(Tree tree, int depth) {
  long total = tree.value;
  for (std::size_t i = 0; i < tree.children.size(); ++i) {
    total += sum_tree(tree.children[i], depth + 1);
    ppp2p::checkpoint();
  }
  return total * (depth + 1);
}

template <class F>
[[ppp2p::checkpointable]] std::string apply_all(F f, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) {
    out += f(i);
    ppp2p::checkpoint();
  }
  return out;
}

[[ppp2p::checkpointable]] std::string root(int n) {
  Tree tree{1, {{2, {{4, {}}, {5, {}}}}, {3, {{6, {}}}}}};
  std::vector<std::unique_ptr<std::string>> owned;
  for (int i = 0; i < n; ++i) {
    owned.push_back(std::make_unique<std::string>(std::string(std::size_t(i + 1), char('k' + i))));
    tree.children[std::size_t(i) % 2].children.push_back(Tree{i * 10, {}});
    ppp2p::checkpoint();
  }
  long total = sum_tree(tree, 0);
  std::string suffix = "!";
  std::string applied = apply_all([suffix, owned_count = owned.size()](int i) {
    return std::to_string(i * int(owned_count)) + suffix;
  }, n);
  std::string out = std::to_string(total) + applied;
  for (auto& s : owned)
    out += *s;
  return out;
}

PPP2P_ORACLE_MAIN(root, 4)
