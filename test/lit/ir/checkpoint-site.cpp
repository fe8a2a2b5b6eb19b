// Purpose: a checkpoint() site costs a thread-local load and a branch; the live values are
// stored into the record only on the capture path, and the site yields true after a resume.
// RUN: %clangxx -O0 -fno-discard-value-names -S -emit-llvm -o - %s | FileCheck %s
#include <ppp2p/ppp2p.hpp>

[[ppp2p::checkpointable]] int count(int n) {
  int seen = 0;
  for (int i = 0; i < n; ++i)
    seen += ppp2p::checkpoint() ? 100 : 1;
  return seen;
}

// CHECK-LABEL: define {{.*}} i32 @_Z5counti(
// CHECK:         %ppp2p.due = load atomic i32, ptr {{.*}} unordered, align {{[48]}}
// CHECK-NEXT:    [[DUE:%.*]] = icmp ne i32 %ppp2p.due, 0
// CHECK-NEXT:    br i1 [[DUE]], label %ppp2p.capture, label %ppp2p.after.checkpoint, {{.*}}!prof
// CHECK:       ppp2p.capture:
// CHECK-NEXT:    [[SITE:%.*]] = getelementptr inbounds i8, ptr %ppp2p.frame, i64 16
// CHECK-NEXT:    store i32 0, ptr [[SITE]]
// CHECK:         call void @llvm.memcpy{{.*}}(ptr align 1 {{%.*}}, ptr align 4 %n.addr, i64 4, i1 false)
// CHECK:         call void @llvm.memcpy{{.*}}(ptr align 1 {{%.*}}, ptr align 4 %seen, i64 4, i1 false)
// CHECK:         call void @llvm.memcpy{{.*}}(ptr align 1 {{%.*}}, ptr align 4 %i, i64 4, i1 false)
// CHECK:         store ptr %ppp2p.frame, ptr
// CHECK-NEXT:    [[CAPTURED:%.*]] = call i1 @__ppp2p_capture(ptr %ppp2p.frame)
// CHECK:       ppp2p.after.checkpoint:
// CHECK-NEXT:    %ppp2p.resumed = phi i1 [ false, %{{.*}} ], [ [[CAPTURED]], %ppp2p.capture ], [ true, %ppp2p.resume.checkpoint ]
// CHECK-NOT:     @_ZN5ppp2p10checkpointEv
// CHECK:       ppp2p.resume.checkpoint:
// CHECK:         call void @llvm.memcpy{{.*}}(ptr align 4 %n.addr, ptr align 1 {{%.*}}, i64 4, i1 false)
