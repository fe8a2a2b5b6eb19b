// Purpose: a virtual call of a checkpointable member function through a base is a site: the
// record holds the address the vtable gave (checked against the frame below at capture), and
// the restore path calls the function the snapshot names (__ppp2p_restore_callee) instead of
// asking the vtable of an object its callee has not restored yet. A virtual call of a function
// that is not checkpointable stays a plain call; the site's descriptor is of kind 2 and holds
// the record offset of the called address.
// RUN: %clangxx -O0 -fno-discard-value-names -S -emit-llvm -o - %s | FileCheck %s
#include <ppp2p/ppp2p.hpp>

struct Shape {
  virtual ~Shape() = default;
  [[ppp2p::checkpointable]] virtual int grow(int by) = 0;
  virtual int plain(int by) { return by; }
};

[[ppp2p::checkpointable]] int caller(Shape& shape, int n) {
  int before = n * 3;
  int p = shape.plain(n);
  int r = shape.grow(n);
  return r + before + p;
}

// CHECK: @__ppp2p._Z6callerR5Shapei.sites = private constant [1 x { i32, i32, i32, i32, ptr, i64, i32, i32 }] [{ {{.*}} } { i32 2, i32 19, i32 17, i32 2, ptr @__ppp2p._Z6callerR5Shapei.live.0, i64 [[SIGNATURE:-?[0-9]+]], i32 [[OFFSET:[0-9]+]], i32 0 }]

// The function's own descriptor holds its signature (the same hash for the same IR type).
// CHECK: @__ppp2p._ZN6Square4growEi.descriptor = {{.*}}ptr @_ZN6Square4growEi, i64 [[SIGNATURE]] }

// CHECK-LABEL: define {{.*}} i32 @_Z6callerR5Shapei(
// CHECK:         %vfn = getelementptr inbounds ptr, ptr %vtable, i64 3
// CHECK-NEXT:    [[PLAIN:%[0-9]+]] = load ptr, ptr %vfn
// CHECK-NEXT:    %call = call noundef i32 [[PLAIN]](
// CHECK:         %vfn2 = getelementptr inbounds ptr, ptr %vtable1, i64 2
// CHECK-NEXT:    [[GROW:%[0-9]+]] = load ptr, ptr %vfn2
// CHECK:         [[FIELD:%[0-9]+]] = getelementptr inbounds i8, ptr %ppp2p.frame, i64 [[OFFSET]]
// CHECK-NEXT:    store ptr [[GROW]], ptr [[FIELD]]
// CHECK:         store ptr %ppp2p.frame, ptr
// CHECK-NEXT:    %call3 = call noundef i32 [[GROW]](
// CHECK:       ppp2p.resume.call:
// CHECK:         store ptr %ppp2p.frame, ptr
// CHECK-NEXT:    %ppp2p.callee = call ptr @__ppp2p_restore_callee()
// CHECK-NEXT:    [[AGAIN:%[0-9]+]] = getelementptr inbounds i8, ptr %ppp2p.frame, i64 [[OFFSET]]
// CHECK-NEXT:    store ptr %ppp2p.callee, ptr [[AGAIN]]
// CHECK:         %call3.resumed = call noundef i32 %ppp2p.callee(ptr {{.*}}, i32 noundef 0)

struct Square : Shape {
  int side = 1;
  int grow(int by) override { // checkpointable: it overrides Shape::grow
    for (int i = 0; i < by; ++i) {
      side += i;
      ppp2p::checkpoint();
    }
    return side;
  }
};

int use() {
  Square square;
  return caller(square, 3);
}
