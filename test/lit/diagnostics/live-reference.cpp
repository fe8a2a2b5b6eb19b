// Purpose: references live across a site move relocated: const T& and T& parameters, reference
// locals into a local's fields, structured bindings to references. No diagnostic.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
// expected-no-diagnostics
#include <ppp2p/ppp2p.hpp>

#include <string>
#include <utility>
#include <vector>

[[ppp2p::checkpointable]] std::size_t refs(const std::vector<std::string>& names,
                                           std::string& out) {
  const std::string& first = names.front();
  ppp2p::checkpoint();
  out += first;
  return first.size();
}

[[ppp2p::checkpointable]] int bindings(std::pair<int, int> p) {
  auto& [a, b] = p;
  ppp2p::checkpoint();
  return a + b;
}
