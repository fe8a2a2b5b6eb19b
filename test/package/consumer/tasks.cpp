#include <ppp2p/ppp2p.hpp>

#include <string>
#include <vector>

[[ppp2p::checkpointable]] std::string spell(int n) {
  std::vector<std::string> words;
  std::string out;
  for (int i = 0; i < n; ++i) {
    words.push_back(std::string(std::size_t(i + 1), char('a' + i)));
    ppp2p::checkpoint();
    out += words.back();
  }
  return out;
}
