// Purpose: a checkpointable function with a site gets a frame record linked to the calling
// site's record, and a restore dispatch taken only while the thread is restoring.
// RUN: %clangxx -O0 -fno-discard-value-names -S -emit-llvm -o - %s | FileCheck %s
#include <ppp2p/ppp2p.hpp>

[[ppp2p::checkpointable]] int leaf(int x) {
  int y = x * 2;
  ppp2p::checkpoint();
  return y + x;
}

// CHECK-LABEL: define {{.*}} i32 @_Z4leafi(
// CHECK:       entry:
// CHECK:         %ppp2p.frame = alloca [32 x i8], align 16
// CHECK:         [[THREAD:%.*]] = call ptr @llvm.threadlocal.address.p0(ptr @__ppp2p_thread)
// CHECK-NEXT:    %ppp2p.parent = load ptr, ptr [[THREAD]]
// CHECK-NEXT:    store ptr null, ptr [[THREAD]]
// CHECK:         store ptr %ppp2p.parent, ptr
// CHECK:         store ptr @__ppp2p._Z4leafi.descriptor, ptr
// CHECK:         %ppp2p.restoring = load ptr, ptr
// CHECK:         br i1 {{%.*}}, label %ppp2p.restore, label %ppp2p.body, {{.*}}!prof
// CHECK:       ppp2p.restore:
// CHECK-NEXT:    %ppp2p.site = call i32 @__ppp2p_restore_frame(ptr @__ppp2p._Z4leafi.descriptor, ptr %ppp2p.frame)
// CHECK-NEXT:    switch i32 %ppp2p.site, label %ppp2p.restore.invalid [
// CHECK-NEXT:      i32 0, label %ppp2p.resume.checkpoint
// CHECK:       ppp2p.restore.invalid:
// CHECK-NEXT:    call void @llvm.trap()
