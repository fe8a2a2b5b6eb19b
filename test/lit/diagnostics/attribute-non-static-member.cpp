// Purpose: member functions may be checkpointable (`this` moves relocated); constructors and
// destructors may not: the object is not complete at their sites.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

struct Worker {
  [[ppp2p::checkpointable]] Worker(); // expected-error {{[[ppp2p::checkpointable]] cannot apply to a constructor: the object is not complete at its sites}} expected-note {{hint: do the work in a member function called after construction}}
  [[ppp2p::checkpointable]] ~Worker(); // expected-error {{[[ppp2p::checkpointable]] cannot apply to a destructor}} expected-note {{hint: do the work in a member function}}
  [[ppp2p::checkpointable]] int run(int n) { ppp2p::checkpoint(); return n + state_; }
  [[ppp2p::checkpointable]] static int fine(int n) { ppp2p::checkpoint(); return n; }
  int state_ = 0;
};

// A member function may call another across a site; no diagnostic for either.
class Graph {
public:
  [[ppp2p::checkpointable]] int bfs(int start) const {
    ppp2p::checkpoint();
    return start + nodes_;
  }
  [[ppp2p::checkpointable]] int twice(int start) { return bfs(start) + bfs(start + 1); }

private:
  int nodes_ = 3;
};
