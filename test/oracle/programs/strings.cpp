// std::string locals (short and long: both sides of the small-string optimisation).
#include "../oracle.hpp"

#include <string>

[[ppp2p::checkpointable]] std::string decorate(std::string word, int times) {
  std::string out = "[";
  for (int i = 0; i < times; ++i) {
    out += word;
    ppp2p::checkpoint();
    out += i % 2 ? "-" : "+";
  }
  return out + "]";
}

[[ppp2p::checkpointable]] std::string root(int n) {
  std::string small = "ab";
  std::string large(100, 'x');
  std::string text;
  for (int i = 0; i < n; ++i) {
    small += char('c' + i);
    large[i] = char('0' + i);
    text = decorate(small, i % 3 + 1) + text.substr(0, 40);
    ppp2p::checkpoint();
  }
  return text + "|" + large + "|" + small;
}

PPP2P_ORACLE_MAIN(root, 6)
