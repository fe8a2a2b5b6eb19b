// Purpose: the AST analysis treats `p += f()` as a kill of p, but p is read after the call; the
// pass re-checks unmovable variables on the IR and reports it at the declaration.
// RUN: %clangxx -O0 -S -emit-llvm -o /dev/null -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

[[ppp2p::checkpointable]] int offset(int i) {
  ppp2p::checkpoint();
  return i;
}

[[ppp2p::checkpointable]] int walk(int n) {
  [[ppp2p::process_local]] static int table[16];
  int* p = table; // expected-error {{'p' of type 'int *' is live across the ppp2p site at line 14 (the call of offset(int)) and cannot move to another process: raw pointers hold addresses of this process}}
  p += offset(n);
  return *p;
}
