//===- ValuesAcrossSites.h - Put everything live across a site in slots ---===//
//
// After this, all state live across a site is in storage the frame record can reach:
//  - SSA values live across a site: addresses of the frame's own storage (constant offsets)
//    are recomputed after it; other first-class values move to new allocas (temporary slots);
//    any other address is reported (it would dangle after a move).
//  - Compiler temporaries (unannotated allocas) live across a site become temporary slots if
//    they hold no addresses, and are reported otherwise.
// Then each site gets the list of slots live across it.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "FrameModel.h"

namespace ppp2p::pass {

/// Returns false if an error was reported.
bool prepareValuesAcrossSites(llvm::Function& function, FrameModel& model);

/// Returns false if an error was reported.
bool addTemporarySlots(llvm::Function& function, FrameModel& model);

/// Reports variables that cannot move but are live across a site on the IR (the plugin's
/// AST analysis found them dead); removes them from the model. Returns false on error.
bool checkRefusedSlots(llvm::Function& function, FrameModel& model);

/// Resolves the related slots of range-for slots (the plugin's ids, or the temporary a range
/// refers to, found on the IR) and keeps targets by address. Returns false on error.
bool resolveRelatedSlots(llvm::Function& function, FrameModel& model);

/// Fills Site::liveSlots for every site; a live slot keeps its related slots live.
void computeSiteLiveness(FrameModel& model);

/// True if `value` can be recomputed anywhere in the function from allocas, arguments and
/// constants with constant offsets.
bool isRematerializable(const llvm::Value* value);

/// Inserts, before `insertBefore`, a copy of the computation of rematerializable `value`.
llvm::Value* rematerialize(llvm::Value* value, llvm::Instruction* insertBefore);

} // namespace ppp2p::pass
