// Nested combinations of standard containers and vocabulary types.
#include "../oracle.hpp"

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using Index = std::map<std::string, std::vector<std::pair<int, std::optional<std::string>>>>;

[[ppp2p::checkpointable]] Index root(int n) {
  Index index;
  std::vector<std::map<int, std::set<std::string>>> layers(3);
  std::tuple<std::vector<int>, std::deque<std::string>> both;
  for (int i = 0; i < n; ++i) {
    std::string key = "k" + std::to_string(i % 3);
    index[key].push_back({i, i % 2 ? std::optional<std::string>("odd") : std::nullopt});
    layers[i % 3][i % 2].insert(key + "/" + std::to_string(i));
    std::get<0>(both).push_back(i);
    std::get<1>(both).push_front(key);
    ppp2p::checkpoint();
  }
  for (auto& layer : layers)
    for (auto& [k, names] : layer)
      index["layers"].push_back({k, *names.begin()});
  index["both"].push_back({int(std::get<0>(both).size()), std::get<1>(both).front()});
  return index;
}

PPP2P_ORACLE_MAIN(root, 8)
