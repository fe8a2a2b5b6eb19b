// Purpose: a reference parameter live across a site is a pointer slot (kind 6, copied into the
// record, relocated by the runtime); a caller's small local passed to a site call by reference
// is kept by address (raw_address = 1), not copied into the record, and is live at that call
// even though the caller never reads it afterwards: the callee's pointer needs it there.
// RUN: %clangxx -O0 -fno-discard-value-names -S -emit-llvm -o - %s | FileCheck %s
#include <ppp2p/ppp2p.hpp>

struct Board {
  int cells[4];
};

[[ppp2p::checkpointable]] int fill(Board& board, int row) {
  board.cells[row] = row;
  ppp2p::checkpoint();
  return board.cells[row];
}

[[ppp2p::checkpointable]] int start() {
  Board board{};
  return fill(board, 1);
}

// fill: board (pointer, 8 bytes in the record), row (raw value).
// CHECK: @__ppp2p._Z4fillR5Boardi.slots = private constant [2 x {{.*}}] [{{.*}} i32 6, i32 24, i64 8, ptr null, i32 -1, i32 0 }, {{.*}} i32 0, i32 32, i64 4, ptr null, i32 -1, i32 0 }]
// CHECK: @__ppp2p._Z4fillR5Boardi.live.0 = private constant [2 x i32] [i32 0, i32 1]
// start: board is kept by address and live at the call of fill.
// CHECK: @__ppp2p._Z5startv.slots = private constant [1 x {{.*}}] [{{.*}} i32 1, i32 24, i64 16, ptr null, i32 -1, i32 0 }]
// CHECK: @__ppp2p._Z5startv.live.0 = private constant [1 x i32] zeroinitializer
