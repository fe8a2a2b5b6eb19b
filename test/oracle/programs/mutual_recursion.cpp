// Mutual recursion with sites at both levels and state on the way down and up.
#include "../oracle.hpp"

#include <string>

[[ppp2p::checkpointable]] std::string odd_step(int n, std::string path);

[[ppp2p::checkpointable]] std::string even_step(int n, std::string path) {
  if (n == 0)
    return path + "!";
  path += "e";
  if (n % 4 == 0)
    ppp2p::checkpoint();
  std::string rest = odd_step(n - 1, path);
  return rest + std::to_string(n % 10);
}

[[ppp2p::checkpointable]] std::string odd_step(int n, std::string path) {
  path += "o";
  ppp2p::checkpoint();
  std::string rest = even_step(n - 1, path.substr(path.size() > 6 ? path.size() - 6 : 0));
  return std::to_string(n % 7) + rest;
}

PPP2P_ORACLE_MAIN(even_step, 24, std::string("start"))
