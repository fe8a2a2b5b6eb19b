// std::optional and std::variant (all alternatives visited) across sites.
#include "../oracle.hpp"

#include <optional>
#include <string>
#include <variant>
#include <vector>

using Value = std::variant<int, double, std::string, std::vector<int>>;

[[ppp2p::checkpointable]] std::string root(int n) {
  std::optional<int> best;
  std::optional<std::string> label;
  Value value = 0;
  std::vector<Value> history;
  for (int i = 0; i < n; ++i) {
    if (!best || i * 7 % 10 > *best)
      best = i * 7 % 10;
    if (i == 3)
      label = "three";
    switch (i % 4) {
    case 0:
      value = i;
      break;
    case 1:
      value = i * 0.5;
      break;
    case 2:
      value = std::string(i, 'v');
      break;
    default:
      value = std::vector<int>(i, i);
      break;
    }
    history.push_back(value);
    ppp2p::checkpoint();
  }
  std::string out = std::to_string(best.value_or(-1)) + label.value_or("none");
  for (const Value& v : history)
    out += "|" + std::to_string(v.index()) +
           std::visit(
               [](const auto& x) -> std::string {
                 using T = std::decay_t<decltype(x)>;
                 if constexpr (std::is_same_v<T, std::string>)
                   return x;
                 else if constexpr (std::is_same_v<T, std::vector<int>>)
                   return std::to_string(x.size());
                 else
                   return std::to_string(x);
               },
               v);
  return out;
}

PPP2P_ORACLE_MAIN(root, 9)
