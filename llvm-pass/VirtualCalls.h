//===- VirtualCalls.h - Calls through a vtable that are sites ---*- C++ -*-===//
//
// A virtual call of a checkpointable member function is a site whose callee is known only at
// run time. Clang emits it as
//
//   %vtable = load ptr, ptr %object        ; the vtable pointer of the object passed as `this`
//   %vfn    = getelementptr inbounds ptr, ptr %vtable, i64 <slot>
//   %f      = load ptr, ptr %vfn
//   call %f(ptr %object, ...)
//
// and the plugin lists, per function, the lines and vtable slot of each such call it found in
// the AST (`vcalls`). An indirect call is a site when both agree.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "FrameModel.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/IR/InstrTypes.h"

#include <optional>
#include <string>

namespace ppp2p::pass {

/// The vtable slot an indirect call's callee is loaded from, if it has the shape above.
std::optional<unsigned> vtableSlotOf(const llvm::CallBase& call);

/// The virtual call site the plugin listed for `info`'s function that `call` is, if any; of
/// several that fit (two calls of one slot on one line), the first not in `met`.
const VirtualCall*
findVirtualCallSite(const llvm::CallBase& call, const FunctionInfo& info,
                    const llvm::SmallPtrSetImpl<const VirtualCall*>* met = nullptr);

/// Reports (as a compile error) a virtual call site the plugin listed that code generation
/// made neither a call through a vtable slot nor a direct call (devirtualized): something the
/// pass does not know (relative vtables, -fsanitize=cfi-vcall), so a virtual thread inside
/// it could never move.
void reportUnrecognisedVirtualCall(llvm::Function& function, const FunctionInfo& info,
                                   const VirtualCall& call);

/// True if a call at `location` may be the virtual call `call` devirtualized.
bool mayBeDevirtualized(const VirtualCall& call, const llvm::DebugLoc& location);

/// For a this-adjusting thunk's name (`_ZThn16_N1D1fEv`), the mangled name of the function it
/// enters (`_ZN1D1fEv`); a vtable of a class with several polymorphic bases holds them.
std::optional<std::string> thisAdjustedTarget(llvm::StringRef name);

/// Hash of the IR type functions reached by an indirect call of `type` must have.
std::uint64_t signatureOf(llvm::FunctionType* type);

} // namespace ppp2p::pass
