// Parameters passed by value (containers, strings, aggregates) modified across sites.
#include "../oracle.hpp"

#include <map>
#include <string>
#include <vector>

struct Config {
  std::string name;
  std::vector<double> weights;
  int steps;
};

[[ppp2p::checkpointable]] double work(std::vector<int> data, std::string tag, Config config,
                                      std::map<int, int> table) {
  double total = 0;
  for (int s = 0; s < config.steps; ++s) {
    data.push_back(s);
    tag += "*";
    table[s] = int(data.size());
    config.weights.push_back(s * 0.5);
    ppp2p::checkpoint();
    for (std::size_t i = 0; i < data.size(); ++i)
      total += data[i] * config.weights[i % config.weights.size()];
  }
  return total + double(tag.size()) + double(table.size()) + double(config.name.size());
}

[[ppp2p::checkpointable]] double root(int n) {
  double sum = 0;
  for (int i = 1; i <= n; ++i)
    sum += work({1, 2, i}, "t", Config{"cfg", {1.0, 2.0}, i}, {{0, i}});
  return sum;
}

PPP2P_ORACLE_MAIN(root, 4)
