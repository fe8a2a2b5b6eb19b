//===- VirtualCallSites.cpp -----------------------------------------------===//

#include "VirtualCallSites.h"

#include "clang/AST/ExprCXX.h"
#include "clang/AST/VTableBuilder.h"
#include "clang/Basic/SourceManager.h"

using namespace clang;

namespace ppp2p::plugin {

std::string describeVirtualCalls(Sema& sema, llvm::ArrayRef<Site> sites) {
  ASTContext& context = sema.getASTContext();
  auto* vtables = dyn_cast_or_null<ItaniumVTableContext>(context.getVTableContext());
  SourceManager& sources = sema.getSourceManager();
  std::string out;
  for (const Site& site : sites) {
    if (!site.isVirtual || !vtables)
      continue;
    const auto* method = cast<CXXMethodDecl>(site.callee);
    if (!out.empty())
      out += ',';
    // The pass matches the IR call by the lines its location may have and the vtable slot
    // its callee is loaded from.
    out += std::to_string(sources.getExpansionLineNumber(site.call->getBeginLoc())) + '-' +
           std::to_string(sources.getExpansionLineNumber(site.call->getEndLoc())) + ':' +
           std::to_string(vtables->getMethodVTableIndex(GlobalDecl(method)));
  }
  return out;
}

const CXXMethodDecl* devirtualizedCallee(const Site& site) {
  const auto* call = dyn_cast<CXXMemberCallExpr>(site.call);
  if (!site.isVirtual || !call)
    return nullptr;
  const CXXMethodDecl* overrider =
      cast<CXXMethodDecl>(site.callee)
          ->getDevirtualizedMethod(call->getImplicitObjectArgument(), /*IsAppleKext=*/false);
  return overrider != site.callee ? overrider : nullptr;
}

void warnOverriddenNotCheckpointable(Sema& sema, const FunctionDecl& fn) {
  const auto* method = dyn_cast<CXXMethodDecl>(&fn);
  if (!method || sema.getSourceManager().isInSystemHeader(fn.getLocation()))
    return;
  DiagnosticsEngine& diags = sema.getDiagnostics();
  for (const CXXMethodDecl* overridden : method->overridden_methods()) {
    if (isCheckpointable(overridden))
      continue;
    diags.Report(fn.getLocation(),
                 diags.getCustomDiagID(DiagnosticsEngine::Warning,
                                       "[[ppp2p::checkpointable]] '%0' overrides '%1', which is "
                                       "not checkpointable: a call through %2 is not a site, so a "
                                       "virtual thread inside it cannot move"))
        << method->getQualifiedNameAsString() << overridden->getQualifiedNameAsString()
        << overridden->getParent();
    diags.Report(overridden->getLocation(),
                 diags.getCustomDiagID(DiagnosticsEngine::Note,
                                       "mark '%0' [[ppp2p::checkpointable]] too (its overrides "
                                       "then are)"))
        << overridden->getQualifiedNameAsString();
  }
}

} // namespace ppp2p::plugin
