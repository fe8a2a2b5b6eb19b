//===- CheckpointPass.h - Compile-time strong mobility --------------------===//
//
// Makes every [[ppp2p::checkpointable]] function of a module capturable and resumable.
// Runs at the start of the optimisation pipeline, on IR where locals still live in allocas:
// collect slots and sites -> move values live across sites into slots -> per-site liveness ->
// frame layout -> descriptor -> rewrite. A module without checkpointable functions is left
// untouched.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "llvm/IR/PassManager.h"

namespace ppp2p::pass {

class CheckpointPass : public llvm::PassInfoMixin<CheckpointPass> {
public:
  llvm::PreservedAnalyses run(llvm::Module& module, llvm::ModuleAnalysisManager&);
  static bool isRequired() { return true; } // also at -O0, where functions are optnone
};

} // namespace ppp2p::pass
