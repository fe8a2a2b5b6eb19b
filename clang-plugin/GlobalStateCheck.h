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

/// For a pointer or reference variable of `fn`: the global variable its initialiser, or an
/// assignment in `fn`, makes it point into, if that global is not a constant (a
/// [[ppp2p::process_local]] one, or one of a system header). Such a pointer cannot move: the
/// runtime would refuse it at capture; this finds it at compile time where the AST shows it.
const clang::VarDecl* pointsIntoWritableGlobal(const clang::FunctionDecl& fn,
                                               const clang::VarDecl& pointer);

} // namespace ppp2p::plugin
