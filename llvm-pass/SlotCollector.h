//===- SlotCollector.h - Read the plugin's annotations --------------------===//
#pragma once

#include "FrameModel.h"

#include "llvm/ADT/MapVector.h"
#include "llvm/IR/Module.h"

namespace ppp2p::pass {

/// Checkpointable function definitions of `module`, from llvm.global.annotations.
llvm::MapVector<llvm::Function*, FunctionInfo> collectCheckpointableFunctions(llvm::Module& module);

/// The annotated locals and parameters of `function` (llvm.var.annotation calls, which are
/// removed). Slots the plugin found dead everywhere are returned with liveAnywhere = false.
std::vector<Slot> collectAnnotatedSlots(llvm::Function& function);

/// Calls of ppp2p::checkpoint() and of checkpointable functions, in instruction order.
std::vector<Site> collectSites(llvm::Function& function, const FunctionInfo& info,
                               const llvm::MapVector<llvm::Function*, FunctionInfo>& known);

} // namespace ppp2p::pass
