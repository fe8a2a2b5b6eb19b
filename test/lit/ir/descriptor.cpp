// Purpose: each function with sites gets a descriptor (slots with kinds and record offsets,
// sites with their live slots and source positions, a resume thunk) registered from a module
// constructor. A std::string slot is kept by address and moved by its codec.
// RUN: %clangxx -O0 -fno-discard-value-names -S -emit-llvm -o - %s | FileCheck %s
#include <ppp2p/ppp2p.hpp>

#include <string>

[[ppp2p::checkpointable]] std::size_t grow(int n) {
  std::string text = "a";
  for (int i = 0; i < n; ++i) {
    text += 'b';
    ppp2p::checkpoint();
  }
  return text.size();
}

// CHECK: @__ppp2p._Z4growi.slot.name{{.*}} = private unnamed_addr constant [5 x i8] c"text\00"
// Slot kinds: raw_value = 0 (n, i), codec_address = 2 (text).
// Fields: name, type, kind, record offset, size, ops, related slot (-1: none), extent.
// CHECK: @__ppp2p._Z4growi.slots = private constant [3 x {{.*}}] [{{.*}} i32 0, i32 24, i64 4, ptr null, i32 -1, i32 0 }, {{.*}} i32 2, i32 32, i64 32, ptr @__ppp2p._Z4growi.codec.1, i32 -1, i32 0 }, {{.*}} i32 0, i32 40, i64 4, ptr null, i32 -1, i32 0 }]
// CHECK: @__ppp2p._Z4growi.live.0 = private constant [3 x i32] [i32 0, i32 1, i32 2]
// Site kind checkpoint = 0 at line 13, column 5.
// CHECK: @__ppp2p._Z4growi.sites = private constant [1 x {{.*}}] [{{.*}} { i32 0, i32 13, i32 5, i32 3, ptr @__ppp2p._Z4growi.live.0, i64 0, i32 0, i32 0 }]
// CHECK: @__ppp2p._Z4growi.descriptor = internal constant {{.*}} { i32 6, i32 3, i64 {{-?[0-9]+}}, i64 {{-?[0-9]+}}, {{.*}}, ptr @__ppp2p.resume._Z4growi, ptr @_Z4growi, i64 {{-?[0-9]+}} }
// CHECK: @llvm.global_ctors = appending global {{.*}} @__ppp2p.module.register
// CHECK-LABEL: define internal void @__ppp2p.resume._Z4growi(ptr %0)
// CHECK:         call noundef i64 @_Z4growi(i32 noundef 0)
// CHECK-LABEL: define internal void @__ppp2p.module.register()
// CHECK:         call void @__ppp2p_register(ptr @__ppp2p.module.descriptors, i64 1)
