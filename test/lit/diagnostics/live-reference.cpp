// Purpose: references (auto&, const T&) and structured bindings to references live across a
// site are errors.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <string>
#include <utility>
#include <vector>

[[ppp2p::checkpointable]] std::size_t refs(std::vector<std::string> names) {
  auto& first = names.front(); // expected-error {{'first' of type 'value_type &' (aka 'std::basic_string<char> &') is live across a ppp2p site}} expected-note {{hint: copy the value into a local variable of non-reference type}}
  ppp2p::checkpoint(); // expected-note {{'first' is live across this site}}
  return first.size();
}

[[ppp2p::checkpointable]] int bindings(std::pair<int, int> p) {
  auto& [a, b] = p; // expected-error {{is live across a ppp2p site and cannot move to another process: references refer to memory of this process}} expected-note {{hint: copy the value}}
  ppp2p::checkpoint(); // expected-note {{is live across this site}}
  return a + b;
}
