//===- LiveAcrossSites.cpp ------------------------------------------------===//

#include "LiveAcrossSites.h"

#include "clang/AST/DeclCXX.h"
#include "clang/Analysis/Analyses/LiveVariables.h"
#include "clang/Analysis/AnalysisDeclContext.h"
#include "clang/Analysis/CFG.h"
#include "llvm/ADT/DenseSet.h"

using namespace clang;

namespace ppp2p::plugin {
namespace {

class SiteObserver : public LiveVariables::Observer {
public:
  SiteObserver(llvm::ArrayRef<Site> sites, llvm::ArrayRef<const VarDecl*> locals,
               LiveAcrossSites& out)
      : locals_(locals), out_(out) {
    for (unsigned i = 0; i < sites.size(); ++i)
      siteOrder_[sites[i].call] = i;
  }

  // `live` is the liveness right after `stmt` (observed before the backward transfer).
  void observeStmt(const Stmt* stmt, const CFGBlock*,
                   const LiveVariables::LivenessValues& live) override {
    auto site = siteOrder_.find(stmt);
    if (site == siteOrder_.end())
      return;
    for (const VarDecl* var : locals_) {
      if (!isLive(live, var))
        continue;
      auto [it, inserted] = out_.firstSite.try_emplace(var, cast<CallExpr>(stmt));
      if (!inserted && siteOrder_[it->second] > site->second)
        it->second = cast<CallExpr>(stmt);
    }
  }

private:
  static bool isLive(const LiveVariables::LivenessValues& live, const VarDecl* var) {
    if (live.isLive(var))
      return true;
    if (const auto* decomposition = dyn_cast<DecompositionDecl>(var))
      for (const BindingDecl* binding : decomposition->bindings())
        if (live.liveBindings.contains(binding))
          return true;
    return false;
  }

  llvm::ArrayRef<const VarDecl*> locals_;
  LiveAcrossSites& out_;
  llvm::DenseMap<const Stmt*, unsigned> siteOrder_;
};

} // namespace

LiveAcrossSites computeLiveAcrossSites(ASTContext& context, const FunctionDecl& fn,
                                       llvm::ArrayRef<Site> sites,
                                       llvm::ArrayRef<const VarDecl*> locals) {
  LiveAcrossSites out;
  if (sites.empty())
    return out;
  AnalysisDeclContextManager manager(context, /*useUnoptimizedCFG=*/false,
                                     /*addImplicitDtors=*/true, /*addInitializers=*/true,
                                     /*addTemporaryDtors=*/true);
  AnalysisDeclContext* analysis = manager.getContext(&fn);
  CFG::BuildOptions& options = analysis->getCFGBuildOptions();
  options.AddEHEdges = true;
  // Every subexpression an element: the liveness transfer sees each use.
  options.setAllAlwaysAdd();
  std::unique_ptr<LiveVariables> liveness =
      LiveVariables::computeLiveness(*analysis, /*killAtAssign=*/true);
  if (!liveness)
    return out;
  SiteObserver observer(sites, locals, out);
  liveness->runOnAllBlocks(observer);
  out.computed = true;
  return out;
}

} // namespace ppp2p::plugin
