// Lambdas capturing codec-able values by value, live across sites: trivially copyable captures
// (moved as bytes) and strings, containers and aggregates (moved field by field), including a
// mutable lambda whose captured state changes between sites.
#include "../oracle.hpp"

#include <map>
#include <string>
#include <vector>

struct Scale {
  std::string unit;
  double factor;
};

[[ppp2p::checkpointable]] std::string root(int n) {
  int base = 7;
  double scale = 1.5;
  auto affine = [base, scale](int x) { return long(x * scale) + base; };
  auto counter = [count = 0]() mutable { return ++count; };
  std::string prefix = "p";
  std::vector<int> weights{3, 1, 4, 1, 5};
  Scale metres{"m", 0.25};
  auto label = [prefix, weights, metres](int i) {
    return prefix + std::to_string(weights[std::size_t(i) % weights.size()]) + metres.unit +
           std::to_string(i * metres.factor);
  };
  auto history = [seen = std::vector<std::string>(),
                  table = std::map<int, int>()](const std::string& s) mutable {
    seen.push_back(s);
    table[int(s.size())] += 1;
    return seen.size() * 100 + table.size();
  };
  long acc = 0;
  std::string out;
  for (int i = 0; i < n; ++i) {
    acc += affine(i) + counter();
    ppp2p::checkpoint();
    acc = acc * 2 + counter();
    out += label(i);
    acc += long(history(out));
    ppp2p::checkpoint();
  }
  return out + "/" + std::to_string(acc) + "/" + std::to_string(history("end"));
}

PPP2P_ORACLE_MAIN(root, 6)
