// Purpose: at a call of a checkpointable function the live values are stored into the record
// before the call, the record is published as the site caller, and the restore path calls the
// callee again (which restores itself) with recomputable arguments, merging its result.
// RUN: %clangxx -O0 -fno-discard-value-names -S -emit-llvm -o - %s | FileCheck %s
#include <ppp2p/ppp2p.hpp>

[[ppp2p::checkpointable]] int leaf(int x) {
  ppp2p::checkpoint();
  return x + 1;
}

[[ppp2p::checkpointable]] int caller(int n) {
  int before = n * 3;
  int r = leaf(n);
  return r + before;
}

// CHECK-LABEL: define {{.*}} i32 @_Z6calleri(
// CHECK:         store i32 0, ptr
// CHECK:         call void @llvm.memcpy{{.*}}(ptr align 1 {{%.*}}, ptr align 4 %before, i64 4, i1 false)
// CHECK:         store ptr %ppp2p.frame, ptr
// CHECK-NEXT:    %call = call noundef i32 @_Z4leafi(i32 noundef
// CHECK-NEXT:    br label %ppp2p.after.call
// CHECK:       ppp2p.after.call:
// CHECK-NEXT:    %call.merged = phi i32 [ %call, %{{.*}} ], [ %call.resumed, %ppp2p.resume.call ]
// CHECK:       ppp2p.resume.call:
// CHECK:         call void @llvm.memcpy{{.*}}(ptr align 4 %before, ptr align 1 {{%.*}}, i64 4, i1 false)
// CHECK:         store ptr %ppp2p.frame, ptr
// CHECK-NEXT:    %call.resumed = call noundef i32 @_Z4leafi(i32 noundef 0)
// CHECK-NEXT:    br label %ppp2p.after.call
