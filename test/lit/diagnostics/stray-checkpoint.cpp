// Purpose: checkpoint() in a function that is not checkpointable captures nothing: a warning.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

void helper() { // expected-note {{mark 'helper' [[ppp2p::checkpointable]] and call it only from checkpointable functions to make this a site}}
  ppp2p::checkpoint(); // expected-warning {{ppp2p::checkpoint() in 'helper', which is not [[ppp2p::checkpointable]], captures nothing}}
}

[[ppp2p::checkpointable]] void caller() {
  helper();
  ppp2p::checkpoint();
}
