//===- LiveAcrossSites.cpp ------------------------------------------------===//

#include "LiveAcrossSites.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Analysis/Analyses/LiveVariables.h"
#include "clang/Analysis/AnalysisDeclContext.h"
#include "clang/Analysis/CFG.h"
#include "clang/Basic/SourceManager.h"
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
      // LiveVariables never kills a catch parameter (it has no declaration statement), so in
      // a loop it looks live everywhere; those are decided from the handler's text instead.
      if (var->isExceptionVariable() || !isLive(live, var))
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

/// References to catch parameters, and the loops around each site.
class HandlerScanner : public RecursiveASTVisitor<HandlerScanner> {
public:
  llvm::DenseMap<const VarDecl*, llvm::SmallVector<const DeclRefExpr*, 4>> references;
  llvm::DenseMap<const Stmt*, llvm::SmallVector<const Stmt*, 4>> loopsAround;
  llvm::DenseMap<const VarDecl*, const CXXCatchStmt*> handlerOf;
  llvm::DenseSet<const Stmt*> siteCalls;

  bool TraverseStmt(Stmt* stmt) {
    if (!stmt)
      return true;
    bool loop = isa<ForStmt, WhileStmt, DoStmt, CXXForRangeStmt>(stmt);
    if (loop)
      loops_.push_back(stmt);
    if (siteCalls.contains(stmt))
      loopsAround[stmt].assign(loops_.begin(), loops_.end());
    bool result = RecursiveASTVisitor::TraverseStmt(stmt);
    if (loop)
      loops_.pop_back();
    return result;
  }
  bool VisitCXXCatchStmt(CXXCatchStmt* handler) {
    if (const VarDecl* parameter = handler->getExceptionDecl())
      handlerOf[parameter] = handler;
    return true;
  }
  bool VisitDeclRefExpr(DeclRefExpr* reference) {
    if (const auto* var = dyn_cast<VarDecl>(reference->getDecl());
        var && var->isExceptionVariable())
      references[var].push_back(reference);
    return true;
  }

private:
  llvm::SmallVector<const Stmt*, 8> loops_;
};

bool contains(const Stmt* outer, const Stmt* inner, const SourceManager& sources) {
  SourceRange range = outer->getSourceRange();
  SourceLocation location = inner->getBeginLoc();
  return !sources.isBeforeInTranslationUnit(location, range.getBegin()) &&
         !sources.isBeforeInTranslationUnit(range.getEnd(), location);
}

/// A catch parameter is live across a site in its handler if it is referenced after the site,
/// or inside a loop (within the handler) around the site.
void addLiveCatchParameters(const FunctionDecl& fn, llvm::ArrayRef<Site> sites,
                            LiveAcrossSites& out) {
  HandlerScanner scanner;
  for (const Site& site : sites)
    scanner.siteCalls.insert(site.call);
  scanner.TraverseStmt(fn.getBody());
  const SourceManager& sources = fn.getASTContext().getSourceManager();
  for (auto& [parameter, handler] : scanner.handlerOf) {
    for (const Site& site : sites) {
      if (!contains(handler, site.call, sources))
        continue;
      bool live = false;
      for (const DeclRefExpr* reference : scanner.references[parameter]) {
        if (sources.isBeforeInTranslationUnit(site.call->getEndLoc(), reference->getBeginLoc()))
          live = true;
        for (const Stmt* loop : scanner.loopsAround[site.call])
          if (contains(handler, loop, sources) && contains(loop, reference, sources))
            live = true;
      }
      if (live) {
        out.firstSite.try_emplace(parameter, site.call);
        break;
      }
    }
  }
}

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
  addLiveCatchParameters(fn, sites, out);
  out.computed = true;
  return out;
}

} // namespace ppp2p::plugin
