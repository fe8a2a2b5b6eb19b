//===- ProcessLocalAttr.cpp - [[ppp2p::process_local]] --------------------===//
//
// Marks a global or static variable that checkpointable functions may use although it does not
// move with a virtual thread (GlobalStateCheck): a cache, a counter for diagnostics.
//
//===----------------------------------------------------------------------===//

#include "GlobalStateCheck.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/Basic/ParsedAttrInfo.h"
#include "clang/Sema/ParsedAttr.h"
#include "clang/Sema/Sema.h"

using namespace clang;

namespace {

struct ProcessLocalAttrInfo : public ParsedAttrInfo {
  ProcessLocalAttrInfo() {
    static constexpr Spelling spellings[] = {
        {ParsedAttr::AS_CXX11, "ppp2p::process_local"},
        {ParsedAttr::AS_GNU, "ppp2p_process_local"},
    };
    Spellings = spellings;
  }

  bool diagAppertainsToDecl(Sema& sema, const ParsedAttr& attr, const Decl* decl) const override {
    if (const auto* var = dyn_cast<VarDecl>(decl); var && var->hasGlobalStorage())
      return true;
    unsigned id = sema.getDiagnostics().getCustomDiagID(
        DiagnosticsEngine::Error,
        "[[ppp2p::process_local]] applies only to global, static and thread_local variables");
    sema.Diag(attr.getLoc(), id) << attr.getRange();
    return false;
  }

  AttrHandling handleDeclAttribute(Sema& sema, Decl* decl, const ParsedAttr& attr) const override {
    decl->addAttr(AnnotateAttr::CreateImplicit(sema.Context, ppp2p::plugin::kProcessLocalTag,
                                               nullptr, 0, attr.getRange()));
    return AttributeApplied;
  }
};

ParsedAttrInfoRegistry::Add<ProcessLocalAttrInfo> registration("ppp2p-process-local",
                                                               "[[ppp2p::process_local]]");

} // namespace
