// Purpose: `this` cannot move, so a non-static member function cannot be checkpointable.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

struct Worker {
  [[ppp2p::checkpointable]] int run(int n); // expected-error {{cannot apply to non-static member function 'run': 'this' cannot move to another process}} expected-note {{hint: make it static and pass the object by value}}
  [[ppp2p::checkpointable]] static int fine(int n) { ppp2p::checkpoint(); return n; }
};

// Refused once, at the attribute: its checkpoint() calls are not also told to mark it.
class Graph {
public:
  [[ppp2p::checkpointable]] int bfs(int start) { // expected-error {{cannot apply to non-static member function 'bfs'}} expected-note {{hint: make it static and pass the object by value}}
    ppp2p::checkpoint();
    return start + nodes_;
  }

private:
  int nodes_ = 3;
};
