// Purpose: overrides of a checkpointable virtual function are checkpointable without being
// marked again (no "captures nothing" warning for their checkpoint() calls); a checkpointable
// override of a virtual function that is not gets a warning naming both, since calls through
// the base are not sites, with a note at the base's function.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

struct Task {
  virtual ~Task() = default;
  [[ppp2p::checkpointable]] virtual long run(long n) = 0;
  virtual long cost(long n) const { return n; } // expected-note {{mark 'Task::cost' [[ppp2p::checkpointable]] too (its overrides then are)}}
};

struct Sum : Task {
  long run(long n) override {
    long s = 0;
    for (long i = 0; i < n; ++i) {
      s += i;
      ppp2p::checkpoint(); // a site: Sum::run overrides a checkpointable function
    }
    return s;
  }
  [[ppp2p::checkpointable]] long cost(long n) const override { // expected-warning {{[[ppp2p::checkpointable]] 'Sum::cost' overrides 'Task::cost', which is not checkpointable: a call through 'Task' is not a site, so a virtual thread inside it cannot move}}
    ppp2p::checkpoint();
    return n * 2;
  }
};

struct Twice final : Sum {
  long run(long n) override { return Sum::run(n) * 2; } // checkpointable two levels down
};

long plain(long n) {
  ppp2p::checkpoint(); // expected-warning {{ppp2p::checkpoint() in 'plain', which is not [[ppp2p::checkpointable]], captures nothing}} expected-note@-1 {{mark 'plain' [[ppp2p::checkpointable]]}}
  return n;
}
