// Pointers and references into heap memory that the frames' objects own, written the way
// people write C++: a reference to a vector element, a pointer into a long string, a row of a
// grid and a cell of it, a raw pointer to a unique_ptr's node, an entry of a map, an element
// of a list and a deque, a caller's vector element passed down by reference, a range-for over
// an element of a local vector, a string iterator kept by the user, string_views and spans.
#include "../oracle.hpp"

#include <deque>
#include <list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct Node {
  long value;
  std::unique_ptr<Node> next;
};

[[ppp2p::checkpointable]] long add_to(long& target, long amount) {
  for (int i = 0; i < 3; ++i) {
    target += amount;
    ppp2p::checkpoint();
  }
  return target;
}

// A site inside `for (int v : adj[u])`, adj a local, and an iterator the user keeps.
[[ppp2p::checkpointable]] long walk(int n) {
  std::vector<std::vector<int>> adj(static_cast<std::size_t>(n));
  for (int u = 0; u + 1 < n; ++u) {
    adj[std::size_t(u)].push_back(u + 1);
    adj[std::size_t(u)].push_back((u * 7) % n);
  }
  long sum = 0;
  for (int u = 0; u < n; u += 3)
    for (int v : adj[std::size_t(u)]) {
      ppp2p::checkpoint();
      sum = sum * 3 + v;
    }
  std::string word = "relocated iterators!"; // 20 characters: it += 4 meets end()
  for (auto it = word.begin(); it != word.end(); it += 4) {
    ppp2p::checkpoint();
    sum += *it;
  }
  return sum;
}

// Views across sites: into a long string, a literal, a local array and a vector.
[[ppp2p::checkpointable]] long views(int n) {
  std::string text(std::size_t(n) + 20, 'v');
  std::string_view word(text.data() + 3, 10);
  std::string_view literal = "a literal";
  int local[6] = {1, 2, 3, 4, 5, 6};
  std::span<int> part(local + 1, 4);
  std::vector<long> values(std::size_t(n), 7);
  std::span<long> tail(values.data() + 2, values.size() - 2);
  long sum = 0;
  for (int i = 0; i < 3; ++i) {
    ppp2p::checkpoint();
    sum += long(word.size()) + word[std::size_t(i)] + literal[std::size_t(i)] +
           part[std::size_t(i)] + tail[std::size_t(i)];
    part[std::size_t(i)] += i;
    tail[std::size_t(i)] += sum % 5;
  }
  return sum + local[2] + values[3];
}

[[ppp2p::checkpointable]] long run(int n) {
  std::vector<long> values(std::size_t(n), 1);
  long& third = values[2];
  long* middle = values.data() + n / 2;

  std::string text(40, 'a');
  const char* tail = text.c_str() + 30;

  std::vector<std::vector<int>> grid(4, std::vector<int>(5, 0));
  std::vector<int>& row = grid[1];
  int& cell = grid[3][4];

  std::unique_ptr<Node> head = std::make_unique<Node>(Node{1, nullptr});
  head->next = std::make_unique<Node>(Node{2, nullptr});
  Node* second = head->next.get();

  std::map<std::string, std::vector<int>> table{{"a", {1}}, {"b", {2, 3}}, {"c", {}}};
  std::vector<int>& entry = table["b"];

  std::list<long> history{5, 6, 7};
  long& last = history.back();
  std::deque<long> window{8, 9};
  long& front = window.front();

  long total = 0;
  for (int i = 0; i < 4; ++i) {
    third += i;
    *middle += 2 * i;
    row[std::size_t(i)] += i;
    cell += 3;
    second->value += i;
    entry.push_back(i); // may reallocate entry's elements, never the node entry is in
    last += i;
    front -= i;
    ppp2p::checkpoint();
    total += third + *middle + row[std::size_t(i)] + cell + second->value + long(entry.size()) +
             last + front + tail[i % 10];
  }
  // A caller's vector element, passed down by reference, updated across the callee's sites.
  total += add_to(values[std::size_t(n) - 1], 7);
  total += walk(n) + views(n);
  return total + values[2] + values[std::size_t(n / 2)] + grid[1][3] + grid[3][4] +
         head->next->value + table["b"].back() + history.back() + window.front();
}

PPP2P_ORACLE_MAIN(run, 20)
