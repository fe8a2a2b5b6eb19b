//===- SlotCollector.h - Read the plugin's annotations --------------------===//
#pragma once

#include "FrameModel.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/IR/Module.h"

namespace ppp2p::pass {

/// Checkpointable function definitions of `module`, from llvm.global.annotations.
llvm::MapVector<llvm::Function*, FunctionInfo> collectCheckpointableFunctions(llvm::Module& module);

/// The annotated locals and parameters of `function` (llvm.var.annotation calls, which are
/// removed). Slots the plugin found dead everywhere are returned with liveAnywhere = false.
std::vector<Slot> collectAnnotatedSlots(llvm::Function& function);

/// For a member function (info.hasThis): `this`, kept in the alloca Clang stores it to at
/// entry, as a relocated pointer slot (a parameter, live wherever it is used after a site).
void addThisSlot(llvm::Function& function, const FunctionInfo& info, std::vector<Slot>& slots);

/// Checkpointable functions of this module that can never capture: no checkpoint() site, and
/// only calls of checkpointable functions of this module that cannot capture either. Calls of
/// them are not sites (nothing can be captured below them), which keeps them free.
llvm::SmallPtrSet<llvm::Function*, 16>
findFunctionsThatCannotCapture(const llvm::MapVector<llvm::Function*, FunctionInfo>& known);

/// Calls of ppp2p::checkpoint() and of checkpointable functions that may capture, in
/// instruction order.
std::vector<Site> collectSites(llvm::Function& function, const FunctionInfo& info,
                               const llvm::MapVector<llvm::Function*, FunctionInfo>& known,
                               const llvm::SmallPtrSetImpl<llvm::Function*>& cannotCapture);

} // namespace ppp2p::pass
