// Purpose: a virtual call of a checkpointable function that code generation does not emit as
// a load from a vtable slot (here relative vtables) cannot be a site: a compile error at the
// call, not a virtual thread that silently never moves while inside it.
// RUN: not %clangxx -fexperimental-relative-c++-abi-vtables -S -emit-llvm -o /dev/null %s 2>&1 | FileCheck %s
#include <ppp2p/ppp2p.hpp>

struct Shape {
  virtual ~Shape() = default;
  [[ppp2p::checkpointable]] virtual int grow(int by) = 0;
};

[[ppp2p::checkpointable]] int caller(Shape& shape, int n) {
  int r = shape.grow(n);
  // CHECK: virtual-call-unrecognised.cpp:13:1: error: ppp2p: the virtual call of a checkpointable function at line 13 of 'caller(Shape &, int)' does not load its callee from a vtable slot as the pass knows it (relative vtables, -fsanitize=cfi-vcall?), so it cannot be a site and a virtual thread inside it could never move: build without those options
  return r + n;
}
