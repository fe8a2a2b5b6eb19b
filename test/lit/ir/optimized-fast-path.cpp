// Purpose: at -O2 the path without a capture keeps the loop's values in registers: the record
// is written only on the capture path (no memcpy, no frame store in the loop body).
// RUN: %clangxx -O2 -fno-discard-value-names -S -emit-llvm -o - %s | FileCheck %s
#include <ppp2p/ppp2p.hpp>

[[ppp2p::checkpointable]] long sum(long n) {
  long total = 0;
  for (long i = 0; i < n; ++i) {
    total += i * i;
    ppp2p::checkpoint();
  }
  return total;
}

// CHECK-LABEL: define {{.*}} i64 @_Z3suml(
// CHECK:       for.body:
// CHECK-NEXT:    %mul = mul nsw i64
// CHECK-NEXT:    %add = add nsw i64
// CHECK-NEXT:    getelementptr inbounds i8, ptr {{%.*}}, i64 16
// CHECK-NEXT:    %ppp2p.due = load atomic i32, ptr {{.*}} unordered, align {{[48]}}
// CHECK-NEXT:    icmp eq i32 %ppp2p.due, 0
// CHECK-NEXT:    br i1 {{.*}}, label %ppp2p.after.checkpoint, label %ppp2p.capture
// CHECK:       ppp2p.capture:
// CHECK:         store i64 %add, ptr
// CHECK:         call i1 @__ppp2p_capture(
