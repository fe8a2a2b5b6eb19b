// Many sites in one function with different values live at each.
#include "../oracle.hpp"

#include <string>
#include <vector>

[[ppp2p::checkpointable]] std::string root(int n) {
  int a = n;
  ppp2p::checkpoint();
  std::string s = "s";
  ppp2p::checkpoint();
  a += int(s.size());
  std::vector<int> v(3, a);
  ppp2p::checkpoint();
  {
    double scoped = a * 0.5;
    ppp2p::checkpoint();
    v.push_back(int(scoped));
    std::string inner = s + "i";
    ppp2p::checkpoint();
    s = inner + s;
  }
  ppp2p::checkpoint();
  for (int i = 0; i < n; ++i) {
    if (i == 1) {
      ppp2p::checkpoint();
      continue;
    }
    std::string step = std::to_string(i);
    ppp2p::checkpoint();
    s += step;
    if (i == 3)
      break;
    ppp2p::checkpoint();
  }
  ppp2p::checkpoint();
  long total = 0;
  for (int x : v)
    total += x;
  ppp2p::checkpoint();
  return s + "/" + std::to_string(total);
}

PPP2P_ORACLE_MAIN(root, 5)
