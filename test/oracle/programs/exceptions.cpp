// Exceptions thrown after a resume, caught by a restored frame, also through frames of
// functions that were not checkpointable.
#include "../oracle.hpp"

#include <stdexcept>
#include <string>

static void plain_thrower(int i) {
  if (i % 3 == 2)
    throw std::runtime_error("bad " + std::to_string(i));
}

[[ppp2p::checkpointable]] int risky(int i) {
  ppp2p::checkpoint();
  plain_thrower(i);
  return i * 10;
}

[[ppp2p::checkpointable]] int root(int n) {
  int good = 0, caught = 0;
  std::string messages;
  for (int i = 0; i < n; ++i) {
    try {
      good += risky(i);
      ppp2p::checkpoint();
    } catch (const std::runtime_error& e) {
      ++caught;
      messages += e.what();
      ppp2p::checkpoint();
    }
  }
  return good * 1000 + caught * 7 + int(messages.size());
}

PPP2P_ORACLE_MAIN(root, 7)
