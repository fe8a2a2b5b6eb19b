//===- FrameRewriter.h - Frame record, spills, restore dispatch -----------===//
//
// Rewrites one checkpointable function (FrameModel complete, descriptor emitted):
//  - entry: allocate the frame record, link it to the calling site's record, clear the link,
//    and branch to the restore dispatch when the thread is restoring;
//  - each call site: store the site index and the live slots into the record, publish the
//    record as the site caller, call;
//  - each checkpoint() site: a thread-local check; only when a capture is due, the same
//    stores and a call of the runtime's capture;
//  - restore dispatch: the runtime decodes the frame into the record and the slots' storage,
//    raw values are copied back, and control continues at the site: a call site is re-entered
//    (its callee restores itself), a checkpoint() site returns true.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "FrameModel.h"

#include "llvm/IR/GlobalVariable.h"

namespace ppp2p::pass {

/// Assigns record offsets to slots; sets FrameModel::recordSize.
void layoutFrame(FrameModel& model);

/// Functions without sites only clear the site-caller link at entry (so that a later callee
/// does not mistake a stale link for its caller).
void clearSiteCallerAtEntry(RuntimeAbi& abi, llvm::Function& function);

void rewriteFrame(RuntimeAbi& abi, FrameModel& model, llvm::GlobalVariable* descriptor);

} // namespace ppp2p::pass
