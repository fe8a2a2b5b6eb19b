//===- LiveAcrossSites.h - Which locals must move with the frame ----------===//
//
// A local is live across a site if its value may be read after the site returns, or if it is
// destroyed after the site (its destructor reads it). Computed with Clang's LiveVariables over
// a CFG with implicit destructors and exception edges. Read-only: build one per function.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "SiteFinder.h"

#include "clang/AST/ASTContext.h"
#include "llvm/ADT/DenseMap.h"

namespace ppp2p::plugin {

struct LiveAcrossSites {
  /// Every local live across at least one site, with the first such site (source order).
  llvm::DenseMap<const clang::VarDecl*, const clang::CallExpr*> firstSite;
  /// False if no CFG could be built (the caller must then treat every local as live).
  bool computed = false;
};

LiveAcrossSites computeLiveAcrossSites(clang::ASTContext& context, const clang::FunctionDecl& fn,
                                       llvm::ArrayRef<Site> sites,
                                       llvm::ArrayRef<const clang::VarDecl*> locals);

} // namespace ppp2p::plugin
