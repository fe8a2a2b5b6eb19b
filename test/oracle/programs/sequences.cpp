// std::array, deque, list and forward_list across sites.
#include "../oracle.hpp"

#include <array>
#include <deque>
#include <forward_list>
#include <list>
#include <string>

[[ppp2p::checkpointable]] std::string root(int n) {
  std::array<int, 8> ring{};
  std::array<std::string, 3> names{"x", "y", "z"};
  std::deque<int> queue;
  std::list<std::string> words;
  std::forward_list<long> stack;
  for (int i = 0; i < n; ++i) {
    ring[i % 8] += i;
    names[i % 3] += char('a' + i);
    queue.push_back(i);
    if (queue.size() > 3)
      queue.pop_front();
    words.push_front(std::to_string(i));
    if (i % 2)
      words.pop_back();
    stack.push_front(i * 11L);
    ppp2p::checkpoint();
  }
  std::string out;
  for (int v : ring)
    out += std::to_string(v) + ",";
  for (auto& s : names)
    out += s + ";";
  for (int v : queue)
    out += std::to_string(v) + " ";
  for (auto& w : words)
    out += w;
  for (long v : stack)
    out += ":" + std::to_string(v);
  return out;
}

PPP2P_ORACLE_MAIN(root, 10)
