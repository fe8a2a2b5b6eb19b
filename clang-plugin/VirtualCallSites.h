//===- VirtualCallSites.h - What the pass needs of virtual call sites -----===//
//
// A call of a checkpointable virtual function through a base is a site whose callee the
// vtable chooses at run time. The plugin tells the pass where each is (lines and vtable slot,
// the `vcalls` annotation key, matched in llvm-pass/VirtualCalls), which override code
// generation may call directly instead, and warns where a checkpointable override hides behind
// a base function that is not (calls through that base are not sites).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "SiteFinder.h"

#include "clang/AST/DeclCXX.h"
#include "clang/Sema/Sema.h"
#include "llvm/ADT/ArrayRef.h"

#include <string>

namespace ppp2p::plugin {

/// `first-last:slot` per virtual call site, comma-separated: the lines it spans and the
/// Itanium vtable slot it calls through.
std::string describeVirtualCalls(clang::Sema& sema, llvm::ArrayRef<Site> sites);

/// The override a virtual call site reaches when code generation knows the object's type (an
/// object by value, a final class) and calls it directly; null otherwise.
const clang::CXXMethodDecl* devirtualizedCallee(const Site& site);

/// Warns at a checkpointable override of a virtual function that is not checkpointable.
void warnOverriddenNotCheckpointable(clang::Sema& sema, const clang::FunctionDecl& fn);

} // namespace ppp2p::plugin
