// Purpose: an address computed before a call at a site and used after it (here the element
// that push_back works on) would dangle after a move: the pass reports it at the site.
// RUN: %clangxx -O0 -S -emit-llvm -o /dev/null -Xclang -verify %s
// RUN: %clangxx -O2 -S -emit-llvm -o /dev/null -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <vector>

[[ppp2p::checkpointable]] int next_value(int i) {
  ppp2p::checkpoint();
  return i * 2;
}

[[ppp2p::checkpointable]] std::size_t fill(int n) {
  std::vector<std::vector<int>> rows(3);
  for (int i = 0; i < n; ++i)
    rows[i % 3].push_back(next_value(i)); // expected-error {{ppp2p: an address computed before the call of next_value(int)}}
  return rows[0].size();
}
