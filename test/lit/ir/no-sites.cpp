// Purpose: a checkpointable function without sites only clears the site-caller link (and gets a
// descriptor without sites, so that it can be spawned); functions that are not checkpointable
// are untouched.
// RUN: %clangxx -O0 -fno-discard-value-names -S -emit-llvm -o - %s | FileCheck %s
#include <ppp2p/ppp2p.hpp>

[[ppp2p::checkpointable]] int square(int x) { return x * x; }

int plain(int x) { return square(x) + 1; }

// CHECK: @__ppp2p._Z6squarei.descriptor = internal constant {{.*}} { i32 6, i32 0, {{.*}}, i32 0, i32 24, ptr @__ppp2p._Z6squarei.sites, ptr null, ptr @_Z6squarei, i64 {{-?[0-9]+}} }
// CHECK-LABEL: define {{.*}} i32 @_Z6squarei(
// CHECK-NEXT:  entry:
// CHECK-NEXT:    %x.addr = alloca i32
// CHECK-NEXT:    [[THREAD:%.*]] = call ptr @llvm.threadlocal.address.p0(ptr @__ppp2p_thread)
// CHECK-NEXT:    store ptr null, ptr [[THREAD]]
// CHECK-NOT:     ppp2p.frame
// CHECK:       ret i32
// CHECK-LABEL: define {{.*}} i32 @_Z5plaini(
// CHECK-NOT:     __ppp2p
// CHECK:       ret i32
// CHECK-LABEL: define internal void @__ppp2p.module.register()
// CHECK:         call void @__ppp2p_register(ptr @__ppp2p.module.descriptors, i64 1)
