// Purpose: the AST analysis treats `p += f()` as a kill of p, but p is read after the call; the
// pass re-checks unmovable variables on the IR and reports it at the declaration.
// RUN: %clangxx -O0 -S -emit-llvm -o /dev/null -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <mutex>

[[ppp2p::checkpointable]] int offset(int i) {
  ppp2p::checkpoint();
  return i;
}

[[ppp2p::process_local]] static std::mutex locks[16];

[[ppp2p::checkpointable]] int walk(int n) {
  std::mutex* p = locks; // expected-error {{'p' of type 'std::mutex *' is live across the ppp2p site at line 17 (the call of offset(int)) and cannot move to another process: a synchronisation object belongs to the threads of this process}}
  p += offset(n);
  return p->try_lock();
}
