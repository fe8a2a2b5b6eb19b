// Purpose: variadic functions and parameters that cannot move although the caller destroys
// them after the call are refused.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <functional>

[[ppp2p::checkpointable]] int sum(int n, ...) { // expected-error {{[[ppp2p::checkpointable]] function 'sum' cannot be variadic: its C varargs cannot be captured}}
  ppp2p::checkpoint();
  return n;
}

[[ppp2p::checkpointable]] int call_back(std::function<int()> callback) { // expected-error {{parameter 'callback' of type 'std::function<int ()>' is passed by value and destroyed only after 'call_back' returns, so it must move with the frame, but it cannot}} expected-note {{hint: store the data the callable needs}}
  int x = callback();
  ppp2p::checkpoint();
  return x;
}
