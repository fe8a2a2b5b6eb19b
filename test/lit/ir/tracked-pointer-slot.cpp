// Purpose: a raw pointer to an object of the user's class live across a site is a pointer slot
// (kind 6, relocated like any pointer) that also carries the codec of the pointer type, which
// moves the objects it reaches where it points nowhere else the snapshot holds; a pointer to a
// number carries none.
// RUN: %clangxx -O0 -fno-discard-value-names -S -emit-llvm -o - %s | FileCheck %s
#include <ppp2p/ppp2p.hpp>

struct Node {
  int key;
  Node* next;
};

[[ppp2p::checkpointable]] int walk(Node* list, int* total) {
  ppp2p::checkpoint();
  return list->key + *total;
}

// walk: list (pointer with the codec of Node*), total (pointer, no codec).
// CHECK: @__ppp2p._Z4walkP4NodePi.codec.0 = private constant {{.*}} @_ZN5ppp2p6detail10slot_codecIP4NodeE4saveEPKvRNS_6WriterE
// CHECK: @__ppp2p._Z4walkP4NodePi.slots = private constant [2 x {{.*}}] [{{.*}} i32 6, i32 24, i64 8, ptr @__ppp2p._Z4walkP4NodePi.codec.0, i32 -1, i32 0 }, {{.*}} i32 6, i32 32, i64 8, ptr null, i32 -1, i32 0 }]
