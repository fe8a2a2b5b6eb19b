// Purpose: an aggregate initialised field by field around a site is refused (its fields built
// before the site cannot move while it is not yet constructed); a hint says how to split it.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <string>
#include <vector>

struct Pair {
  std::string name;
  std::vector<int> values;
};

[[ppp2p::checkpointable]] std::vector<int> make(int n) {
  ppp2p::checkpoint();
  return std::vector<int>(n, n);
}

[[ppp2p::checkpointable]] Pair build(int n) {
  Pair p{std::string("x"), make(n)}; // expected-error {{'p' is initialised field by field around a ppp2p site}} expected-note {{this field is built before the site}} expected-note {{hint: call the checkpointable function first}}
  std::vector<int> values = make(n);
  Pair q{std::string("y"), values};
  return q.values.size() > 1 ? q : p;
}
