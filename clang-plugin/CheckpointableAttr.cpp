//===- CheckpointableAttr.cpp - [[ppp2p::checkpointable]] -----------------===//
//
// Registers the attribute and marks the function with an annotate attribute; the analysis
// happens when the definition is complete (FunctionAnnotator).
//
//===----------------------------------------------------------------------===//

#include "AnnotationFormat.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/Basic/ParsedAttrInfo.h"
#include "clang/Sema/ParsedAttr.h"
#include "clang/Sema/Sema.h"

using namespace clang;

namespace {

struct CheckpointableAttrInfo : public ParsedAttrInfo {
  CheckpointableAttrInfo() {
    static constexpr Spelling spellings[] = {
        {ParsedAttr::AS_CXX11, "ppp2p::checkpointable"},
        {ParsedAttr::AS_GNU, "ppp2p_checkpointable"},
    };
    Spellings = spellings;
    // Parse an argument list if one is written, so that it can be refused with a clear error.
    OptArgs = 1;
  }

  bool diagAppertainsToDecl(Sema& sema, const ParsedAttr& attr, const Decl* decl) const override {
    if (decl->getAsFunction())
      return true;
    unsigned id = sema.getDiagnostics().getCustomDiagID(
        DiagnosticsEngine::Error, "[[ppp2p::checkpointable]] applies only to functions");
    sema.Diag(attr.getLoc(), id) << attr.getRange();
    return false;
  }

  AttrHandling handleDeclAttribute(Sema& sema, Decl* decl, const ParsedAttr& attr) const override {
    DiagnosticsEngine& diags = sema.getDiagnostics();
    if (attr.getNumArgs() != 0) {
      sema.Diag(attr.getLoc(), diags.getCustomDiagID(DiagnosticsEngine::Error,
                                                     "[[ppp2p::checkpointable]] takes no "
                                                     "arguments"));
      return AttributeNotApplied;
    }
    FunctionDecl* fn = decl->getAsFunction();
    if (isa<CXXConstructorDecl, CXXDestructorDecl>(fn)) {
      sema.Diag(attr.getLoc(),
                diags.getCustomDiagID(DiagnosticsEngine::Error,
                                      "[[ppp2p::checkpointable]] cannot apply to %select{a "
                                      "constructor|a destructor}0: the object is not complete "
                                      "at its sites"))
          << isa<CXXDestructorDecl>(fn);
      sema.Diag(attr.getLoc(), diags.getCustomDiagID(DiagnosticsEngine::Note,
                                                     "hint: do the work in a member function "
                                                     "called after construction"));
      // Remembered, so that its checkpoint() calls are not also told to mark it.
      fn->addAttr(AnnotateAttr::CreateImplicit(
          sema.Context, ppp2p::annotation::kCheckpointableRefusedTag, nullptr, 0, attr.getRange()));
      return AttributeNotApplied;
    }
    fn->addAttr(AnnotateAttr::CreateImplicit(sema.Context, ppp2p::annotation::kCheckpointableTag,
                                             nullptr, 0, attr.getRange()));
    return AttributeApplied;
  }
};

ParsedAttrInfoRegistry::Add<CheckpointableAttrInfo> registration("ppp2p-checkpointable",
                                                                 "[[ppp2p::checkpointable]]");

} // namespace
