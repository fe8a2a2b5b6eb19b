// std::pair and std::tuple (with codec-able and raw elements) across sites.
#include "../oracle.hpp"

#include <string>
#include <tuple>
#include <utility>
#include <vector>

[[ppp2p::checkpointable]] std::pair<int, std::string> step(std::pair<int, std::string> state) {
  state.first += 3;
  ppp2p::checkpoint();
  state.second += std::to_string(state.first);
  return state;
}

[[ppp2p::checkpointable]] std::tuple<int, double, std::string> root(int n) {
  std::pair<int, std::string> state{1, "s"};
  std::pair<int, int> plain{0, 0};
  std::tuple<int, double, std::string> acc{0, 0.0, ""};
  std::vector<std::tuple<int, char>> log;
  for (int i = 0; i < n; ++i) {
    state = step(state);
    plain.first += i;
    plain.second -= i;
    std::get<0>(acc) += state.first + plain.first;
    std::get<1>(acc) += 0.125 * plain.second;
    std::get<2>(acc) += state.second.substr(0, 2);
    log.emplace_back(i, char('A' + i));
    ppp2p::checkpoint();
  }
  std::get<0>(acc) += int(log.size());
  return acc;
}

PPP2P_ORACLE_MAIN(root, 7)
