// Aggregates with move-only fields live across sites: a linked list of std::unique_ptr nodes
// and a vector of std::unique_ptr, in a record moved field by field and built without a copy.
#include "../oracle.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

struct Node {
  int value;
  std::unique_ptr<Node> next;
};

struct Inventory {
  int id;
  std::unique_ptr<Node> head;
  std::vector<std::unique_ptr<int>> slots;
  std::string label;
};

[[ppp2p::checkpointable]] long fill(int n) {
  Inventory inventory{1, nullptr, {}, "inv"};
  std::vector<Inventory> archive;
  for (int i = 0; i < n; ++i) {
    inventory.head = std::make_unique<Node>(Node{i * i, std::move(inventory.head)});
    inventory.slots.push_back(i % 3 == 0 ? nullptr : std::make_unique<int>(i * 7));
    inventory.label += char('a' + i);
    ppp2p::checkpoint();
    if (i % 4 == 3) {
      archive.push_back(std::move(inventory));
      inventory = Inventory{i, nullptr, {}, "next"};
    }
    ppp2p::checkpoint();
  }
  long sum = inventory.id + long(inventory.label.size());
  archive.push_back(std::move(inventory));
  for (const Inventory& saved : archive) {
    for (const Node* node = saved.head.get(); node; node = node->next.get())
      sum = sum * 3 % 1000003 + node->value;
    for (const auto& slot : saved.slots)
      sum += slot ? *slot : -1;
    sum += saved.id * 11 + long(saved.label.size());
  }
  return sum;
}

PPP2P_ORACLE_MAIN(fill, 10)
