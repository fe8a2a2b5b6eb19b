//===- SiteFinder.cpp -----------------------------------------------------===//

#include "SiteFinder.h"

#include "AnnotationFormat.h"
#include "Annotations.h"

#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"

using namespace clang;

namespace ppp2p::plugin {
namespace {

/// Visits the code that runs in the function itself: skips lambda bodies (but not the
/// captures, which are evaluated here), blocks, local classes and unevaluated operands.
template <class Derived> class OwnCodeVisitor : public RecursiveASTVisitor<Derived> {
  using Base = RecursiveASTVisitor<Derived>;

public:
  bool shouldVisitImplicitCode() const { return true; }
  bool shouldVisitTemplateInstantiations() const { return false; }

  bool TraverseLambdaExpr(LambdaExpr* lambda) {
    for (Expr* init : lambda->capture_inits())
      if (init && !this->TraverseStmt(init))
        return false;
    return true;
  }
  bool TraverseBlockExpr(BlockExpr*) { return true; }
  bool TraverseCXXRecordDecl(CXXRecordDecl*) { return true; }
  bool TraverseUnaryExprOrTypeTraitExpr(UnaryExprOrTypeTraitExpr*) { return true; }
  bool TraverseCXXNoexceptExpr(CXXNoexceptExpr*) { return true; }
  bool TraverseDecltypeTypeLoc(DecltypeTypeLoc) { return true; }
  bool TraverseCXXTypeidExpr(CXXTypeidExpr*) { return true; }
  bool TraverseRequiresExpr(RequiresExpr*) { return true; }
};

/// A call that goes through the object's vtable: a virtual member function named without a
/// qualifier (`Base::f()` calls Base's own).
bool isVirtualCall(const CallExpr& call) {
  const auto* member = dyn_cast<CXXMemberCallExpr>(&call);
  if (!member)
    return false;
  const CXXMethodDecl* method = member->getMethodDecl();
  if (!method || !method->isVirtual())
    return false;
  const auto* callee = dyn_cast<MemberExpr>(member->getCallee()->IgnoreParens());
  return callee && !callee->hasQualifier();
}

class SiteCollector : public OwnCodeVisitor<SiteCollector> {
public:
  std::vector<Site> sites;
  bool VisitCallExpr(CallExpr* call) {
    const FunctionDecl* callee = call->getDirectCallee();
    if (!callee)
      return true;
    if (isCheckpointFunction(callee))
      sites.push_back({call, callee, true, false});
    else if (isCheckpointable(callee))
      sites.push_back({call, callee, false, isVirtualCall(*call)});
    return true;
  }
};

class LocalCollector : public OwnCodeVisitor<LocalCollector> {
public:
  std::vector<const VarDecl*> locals;
  bool VisitVarDecl(VarDecl* var) {
    if (var->hasLocalStorage() && !isa<ParmVarDecl>(var))
      locals.push_back(var);
    if (auto* decomposition = dyn_cast<DecompositionDecl>(var))
      for (BindingDecl* binding : decomposition->bindings())
        if (VarDecl* holder = binding->getHoldingVar())
          locals.push_back(holder); // `auto [a, b] = pair`: references into the hidden object
    return true;
  }
};

class TemporaryCollector : public OwnCodeVisitor<TemporaryCollector> {
public:
  std::vector<QualType> types;
  bool VisitCXXBindTemporaryExpr(CXXBindTemporaryExpr* temporary) {
    types.push_back(temporary->getType());
    return true;
  }
};

class RangeForCollector : public OwnCodeVisitor<RangeForCollector> {
public:
  std::vector<RangeFor> loops;
  bool VisitCXXForRangeStmt(CXXForRangeStmt* loop) {
    RangeFor out;
    out.loop = loop;
    out.range =
        loop->getRangeStmt() ? dyn_cast<VarDecl>(loop->getRangeStmt()->getSingleDecl()) : nullptr;
    out.begin =
        loop->getBeginStmt() ? dyn_cast<VarDecl>(loop->getBeginStmt()->getSingleDecl()) : nullptr;
    out.end = loop->getEndStmt() ? dyn_cast<VarDecl>(loop->getEndStmt()->getSingleDecl()) : nullptr;
    out.element = loop->getLoopVariable();
    if (const Expr* init = loop->getRangeInit()) {
      const Expr* bare = init;
      if (const auto* cleanups = dyn_cast<ExprWithCleanups>(bare))
        bare = cleanups->getSubExpr();
      bare = bare->IgnoreParens();
      if (bare->isPRValue() || isa<MaterializeTemporaryExpr>(bare)) {
        out.temporaryRange = true;
      } else {
        const Expr* e = init->IgnoreParenImpCasts();
        while (const auto* member = dyn_cast<MemberExpr>(e)) {
          if (member->isArrow())
            break;
          e = member->getBase()->IgnoreParenImpCasts();
        }
        if (const auto* reference = dyn_cast<DeclRefExpr>(e))
          if (const auto* var = dyn_cast<VarDecl>(reference->getDecl());
              var && var->hasLocalStorage()) {
            if (!var->getType()->isReferenceType())
              out.target = var;
            else if (e == init->IgnoreParenImpCasts())
              out.alias = var;
          }
      }
    }
    loops.push_back(out);
    return true;
  }
};

bool hasCheckpointableAnnotation(const FunctionDecl* fn) {
  return hasAnnotation(fn, annotation::kCheckpointableTag);
}

/// Overrides, at any depth, of a checkpointable virtual function are checkpointable too: a
/// call through the base is a site whichever of them it reaches.
bool overridesCheckpointable(const CXXMethodDecl* method, unsigned depth = 0) {
  if (!method || depth > 64)
    return false;
  for (const CXXMethodDecl* overridden : method->overridden_methods())
    if (hasCheckpointableAnnotation(overridden) || overridesCheckpointable(overridden, depth + 1))
      return true;
  return false;
}

} // namespace

bool isCheckpointFunction(const FunctionDecl* fn) {
  if (!fn || fn->getNumParams() != 0 || !fn->getIdentifier() || fn->getName() != "checkpoint")
    return false;
  const auto* ns = dyn_cast<NamespaceDecl>(fn->getDeclContext()->getRedeclContext());
  return ns && ns->getIdentifier() && ns->getName() == "ppp2p" &&
         ns->getDeclContext()->getRedeclContext()->isTranslationUnit();
}

bool isCheckpointable(const FunctionDecl* fn) {
  if (!fn)
    return false;
  if (hasCheckpointableAnnotation(fn))
    return true;
  if (const FunctionDecl* pattern = fn->getTemplateInstantiationPattern())
    if (hasCheckpointableAnnotation(pattern))
      return true;
  if (const FunctionTemplateDecl* primary = fn->getPrimaryTemplate())
    if (hasCheckpointableAnnotation(primary->getTemplatedDecl()))
      return true;
  return overridesCheckpointable(dyn_cast<CXXMethodDecl>(fn));
}

std::vector<Site> findSites(const FunctionDecl& fn) {
  SiteCollector collector;
  if (Stmt* body = fn.getBody())
    collector.TraverseStmt(body);
  return std::move(collector.sites);
}

std::vector<const CallExpr*> findCheckpointCalls(const FunctionDecl& fn) {
  std::vector<const CallExpr*> out;
  for (const Site& site : findSites(fn))
    if (site.isCheckpoint)
      out.push_back(site.call);
  return out;
}

std::vector<RangeFor> findRangeFors(const FunctionDecl& fn) {
  RangeForCollector collector;
  if (Stmt* body = fn.getBody())
    collector.TraverseStmt(body);
  return std::move(collector.loops);
}

std::vector<QualType> findTemporaryTypes(const FunctionDecl& fn) {
  TemporaryCollector collector;
  if (Stmt* body = fn.getBody())
    collector.TraverseStmt(body);
  return std::move(collector.types);
}

std::vector<const VarDecl*> findLocals(const FunctionDecl& fn) {
  LocalCollector collector;
  for (const ParmVarDecl* param : fn.parameters())
    collector.locals.push_back(param);
  if (Stmt* body = fn.getBody())
    collector.TraverseStmt(body);
  return std::move(collector.locals);
}

} // namespace ppp2p::plugin
