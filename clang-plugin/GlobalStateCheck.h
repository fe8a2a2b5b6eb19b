//===- GlobalStateCheck.h - Mutable globals in checkpointable code -*- C++ -*-===//
//
// A snapshot holds a VT's frames, not the process's globals: a checkpointable function that
// reads or writes a mutable namespace-scope, static or thread_local variable would resume with
// another process's value of it, silently. Such uses are errors naming the variable and the
// function, unless the variable is marked [[ppp2p::process_local]] (a cache the user knows
// need not move). Constants, and variables of system headers (std::cout), are fine.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "clang/AST/Decl.h"
#include "clang/Sema/Sema.h"
#include "llvm/ADT/StringRef.h"

namespace ppp2p::plugin {

/// The annotation [[ppp2p::process_local]] puts on a variable.
inline constexpr llvm::StringLiteral kProcessLocalTag = "ppp2p.process_local";

/// Reports each mutable global that `fn`'s body (lambdas in it included) uses; returns whether
/// it reported any.
bool refuseMutableGlobals(clang::Sema& sema, const clang::FunctionDecl& fn);

} // namespace ppp2p::plugin
