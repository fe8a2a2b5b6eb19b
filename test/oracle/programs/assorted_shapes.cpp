// Assorted shapes of ordinary code: goto and switch fallthrough around sites, sites in a for
// loop's increment and in if-initialisers, many parameters of mixed kinds, deduced return
// types, overloads and namespaces, a static member function template, shadowed names, a site
// every n-th iteration, try/catch with continue.
#include "../oracle.hpp"

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace geometry {
struct Vec2 {
  float x, y;
};

[[ppp2p::checkpointable]] Vec2 scale(Vec2 v, float by) {
  ppp2p::checkpoint();
  return {v.x * by, v.y * by};
}

[[ppp2p::checkpointable]] double scale(double v, double by) {
  ppp2p::checkpoint();
  return v * by;
}
} // namespace geometry

struct Tools {
  template <class T>
  [[ppp2p::checkpointable]] static T twice(T value) {
    T copy = value;
    ppp2p::checkpoint();
    return copy + value;
  }
};

[[ppp2p::checkpointable]] auto mixed(int a, double b, std::string c, char d, std::vector<int> e,
                                     bool f, geometry::Vec2 g, long h, float i) {
  long total = a + h;
  for (int k = 0; k < 3; ++k, ppp2p::checkpoint())
    total += k * int(b) + d + int(e.size()) + (f ? 1 : 0) + int(g.x + g.y + i);
  return c + std::to_string(total);
}

[[ppp2p::checkpointable]] int state_machine(int n) {
  int state = 0, steps = 0;
again:
  ++steps;
  switch (state) {
  case 0:
    state = 1;
    [[fallthrough]];
  case 1:
    ppp2p::checkpoint();
    state = steps < n ? 2 : 3;
    break;
  case 2:
    state = 0;
    ppp2p::checkpoint();
    goto again;
  default:
    return steps;
  }
  goto again;
}

[[ppp2p::checkpointable]] std::string root(int n) {
  std::string out;
  geometry::Vec2 v = geometry::scale(geometry::Vec2{1.5f, 2.0f}, 2.0f);
  double d = geometry::scale(0.25, 8.0);
  out += std::to_string(v.x + v.y + float(d)) + "|";
  out += std::to_string(Tools::twice(21)) + Tools::twice(std::string("ab")) + "|";
  out += mixed(1, 2.5, "m", 'x', {1, 2, 3}, true, v, 40L, 0.5f) + "|";
  out += std::to_string(state_machine(n)) + "|";
  int value = 1;
  {
    int value = 10; // shadows
    ppp2p::checkpoint();
    out += std::to_string(value);
  }
  out += std::to_string(value) + "|";
  std::map<int, int> counts;
  for (int i = 0; i < 40; ++i) {
    counts[i % 7] += i;
    if (i % 9 == 0)
      ppp2p::checkpoint();
    if (auto found = counts.find(i % 5); found != counts.end() && found->second > 3) {
      char letter = char('a' + found->first); // the iterator itself is dead at the site
      ppp2p::checkpoint();
      out += letter;
    }
  }
  for (int i = 0; i < n; ++i) {
    try {
      if (i % 2)
        throw std::runtime_error("odd");
      ppp2p::checkpoint();
    } catch (const std::runtime_error&) {
      ppp2p::checkpoint();
      continue;
    }
    out += std::to_string(i);
  }
  return out;
}

PPP2P_ORACLE_MAIN(root, 5)
