// Purpose: a unit that defines this-adjusting thunks (a class with two polymorphic bases whose
// override of the second base's checkpointable function is inline) registers each with the id
// of the function it enters, apart from the descriptors: the descriptor the runtime keeps for
// an inline function may come from a unit that emitted no thunk.
// RUN: %clangxx -O0 -fno-discard-value-names -S -emit-llvm -o - %s | FileCheck %s
#include <ppp2p/ppp2p.hpp>

struct Named {
  virtual ~Named() = default;
  virtual long tag() const { return 1; }
};

struct Runner {
  virtual ~Runner() = default;
  [[ppp2p::checkpointable]] virtual long run(long from) = 0;
};

struct Worker : Named, Runner {
  long run(long from) override {
    ppp2p::checkpoint();
    return from + 1;
  }
};

long use(long x) {
  Worker worker;
  Runner& runner = worker;
  return runner.run(x);
}

// CHECK: @__ppp2p.module.thunks = private constant [{{[0-9]+}} x { ptr, i64 }] [{{.*}}{ ptr @_ZThn8_N6Worker3runEl, i64 {{-?[0-9]+}} }
// CHECK: @llvm.global_ctors = appending global {{.*}} @__ppp2p.module.register_thunks
// CHECK-LABEL: define internal void @__ppp2p.module.register_thunks()
// CHECK-NEXT:  entry:
// CHECK-NEXT:    call void @__ppp2p_register_thunks(ptr @__ppp2p.module.thunks, i64 3)
// CHECK-NEXT:    ret void
