//===- SiteFinder.h - Sites and locals of a checkpointable function -------===//
//
// A site is a call, in a checkpointable function's own body (not in a lambda or local class
// inside it, not in an unevaluated operand), of ppp2p::checkpoint() or of another
// checkpointable function, directly or through a vtable.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "clang/AST/Decl.h"
#include "clang/AST/Expr.h"
#include "clang/AST/StmtCXX.h"

#include <vector>

namespace ppp2p::plugin {

/// True for ppp2p::checkpoint().
bool isCheckpointFunction(const clang::FunctionDecl* fn);

/// True if [[ppp2p::checkpointable]] is on any declaration of `fn` or of the template it was
/// instantiated from, or `fn` overrides a checkpointable virtual function.
bool isCheckpointable(const clang::FunctionDecl* fn);

struct Site {
  const clang::CallExpr* call;
  const clang::FunctionDecl* callee;
  bool isCheckpoint; // ppp2p::checkpoint() rather than a checkpointable function
  bool isVirtual;    // through the object's vtable (the pass finds the callee at run time)
};

/// Sites in `fn`'s body, in source order.
std::vector<Site> findSites(const clang::FunctionDecl& fn);

/// Calls of ppp2p::checkpoint() in `fn`'s body (for the warning in other functions).
std::vector<const clang::CallExpr*> findCheckpointCalls(const clang::FunctionDecl& fn);

/// A range-for loop's implicit variables, and the local its range refers to.
struct RangeFor {
  const clang::CXXForRangeStmt* loop = nullptr;
  const clang::VarDecl* range = nullptr; // auto&& __range = <range-init>
  const clang::VarDecl* begin = nullptr; // auto __begin = __range.begin()
  const clang::VarDecl* end = nullptr;
  const clang::VarDecl* element = nullptr; // the loop variable
  /// The local variable the range is (or is a member of), if it is one.
  const clang::VarDecl* target = nullptr;
  /// The range is a temporary whose life the loop extends (`for (x : make())`).
  bool temporaryRange = false;
  /// The range is a reference variable (e.g. an outer loop's `auto& row`), if it is one.
  const clang::VarDecl* alias = nullptr;
};

/// Range-for loops in `fn`'s own body.
std::vector<RangeFor> findRangeFors(const clang::FunctionDecl& fn);

/// Types of the temporaries with destructors created in `fn`'s body.
std::vector<clang::QualType> findTemporaryTypes(const clang::FunctionDecl& fn);

/// Parameters and automatic-storage local variables of `fn` (including implicit ones such as
/// a range-for's iterators), not those of lambdas or local classes inside it.
std::vector<const clang::VarDecl*> findLocals(const clang::FunctionDecl& fn);

} // namespace ppp2p::plugin
