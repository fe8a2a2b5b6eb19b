//===- Diagnostics.h - Errors the pass reports through the frontend -------===//
#pragma once

#include "llvm/IR/DebugLoc.h"
#include "llvm/IR/DiagnosticInfo.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/LLVMContext.h"

namespace ppp2p::pass {

/// Reports an error at `location` (the compile fails); Clang prints it with file:line:column.
inline void reportError(llvm::Function& function, const llvm::DebugLoc& location,
                        const llvm::Twine& message) {
  function.getContext().diagnose(
      llvm::DiagnosticInfoUnsupported(function, message, location, llvm::DS_Error));
}

} // namespace ppp2p::pass
