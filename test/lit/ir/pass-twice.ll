; Purpose: the pass transforms a module once: a second run finds the module flag and leaves it.
; RUN: %opt -passes=ppp2p-checkpoint,ppp2p-checkpoint -S %s | FileCheck %s
; CHECK-COUNT-1: define internal void @__ppp2p.module.register()
; CHECK-NOT: define internal void @__ppp2p.module.register
; CHECK: !{i32 2, !"ppp2p.transformed", i32 1}

@.fn = private unnamed_addr constant [38 x i8] c"ppp2p.fn;name=tick(int);ret=i;callees\00", section "llvm.metadata"
@.slot = private unnamed_addr constant [65 x i8] c"ppp2p.slot;name=n;type=int;role=param;live=1;kind=raw;size=4;a=4\00", section "llvm.metadata"
@.file = private unnamed_addr constant [8 x i8] c"tick.cc\00", section "llvm.metadata"
@llvm.global.annotations = appending global [1 x { ptr, ptr, ptr, i32, ptr }] [{ ptr, ptr, ptr, i32, ptr } { ptr @tick, ptr @.fn, ptr @.file, i32 1, ptr null }], section "llvm.metadata"

declare zeroext i1 @_ZN5ppp2p10checkpointEv()
declare void @llvm.var.annotation.p0.p0(ptr, ptr, ptr, i32, ptr)

define i32 @tick(i32 %n) {
entry:
  %n.addr = alloca i32, align 4
  store i32 %n, ptr %n.addr, align 4
  call void @llvm.var.annotation.p0.p0(ptr %n.addr, ptr @.slot, ptr @.file, i32 1, ptr null)
  %0 = call zeroext i1 @_ZN5ppp2p10checkpointEv()
  %1 = load i32, ptr %n.addr, align 4
  ret i32 %1
}
