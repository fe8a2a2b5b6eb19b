// Purpose: values that cannot move are never an error when they are not live across a site.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
// expected-no-diagnostics
#include <ppp2p/ppp2p.hpp>

#include <string>
#include <string_view>
#include <vector>

[[ppp2p::checkpointable]] int dead(std::vector<int> data, int n) {
  int total = 0;
  for (int i = 0; i < n; ++i) {
    int* p = &data[i % data.size()];
    const auto& ref = data.front();
    std::string_view view = "temporary";
    total += *p + ref + int(view.size());
    ppp2p::checkpoint();
  }
  try {
    ppp2p::checkpoint();
  } catch (const std::exception& e) {
    total += int(std::string(e.what()).size());
  }
  return total;
}
