//===- DescriptorEmitter.h - Function descriptors and their registration --===//
//
// Per checkpointable function: a FunctionDescriptor constant (slots, sites with their live
// slots and source positions, id, layout fingerprint) and a resume thunk that re-enters the
// function in restore mode with storage for its parameters and result. Per module: a
// constructor registering all descriptors with the runtime.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "FrameModel.h"

#include "llvm/IR/GlobalVariable.h"

namespace ppp2p::pass {

/// Fingerprint of the function's body (before rewriting) and frame layout.
std::uint64_t frameFingerprint(const FrameModel& model, std::uint64_t bodyHash);

llvm::GlobalVariable* emitDescriptor(RuntimeAbi& abi, const FrameModel& model,
                                     std::uint64_t fingerprint);

void emitRegistration(RuntimeAbi& abi, llvm::ArrayRef<llvm::GlobalVariable*> descriptors);

/// Registers (thunk, target id) for every this-adjusting thunk the module defines: a capture
/// below a virtual call through one recognises the function it entered.
void emitThunkRegistration(RuntimeAbi& abi);

} // namespace ppp2p::pass
