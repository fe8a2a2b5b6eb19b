//===- GlobalStateCheck.cpp -----------------------------------------------===//

#include "GlobalStateCheck.h"

#include "Annotations.h"

#include "clang/AST/Attr.h"
#include "clang/AST/ExprCXX.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/DenseSet.h"

using namespace clang;

namespace ppp2p::plugin {
namespace {

/// Whether a use of `var` in a checkpointable function reads or writes state that does not
/// move with the VT.
bool isMutableGlobal(const VarDecl& var, const SourceManager& sources) {
  if (!var.hasGlobalStorage() || var.isConstexpr())
    return false;
  QualType type = var.getType();
  if (type.isConstQualified() ||
      (type->isReferenceType() && type->getPointeeType().isConstQualified()))
    return false;
  if (sources.isInSystemHeader(var.getLocation()))
    return false; // std::cout and friends: process resources, not the program's state
  if (const auto* ns =
          dyn_cast<NamespaceDecl>(var.getDeclContext()->getEnclosingNamespaceContext());
      ns && ns->getName() == "ppp2p")
    return false; // the runtime's own
  return !hasAnnotation(&var, kProcessLocalTag);
}

class GlobalUses : public RecursiveASTVisitor<GlobalUses> {
public:
  explicit GlobalUses(const SourceManager& sources) : sources_(sources) {}

  bool shouldVisitImplicitCode() const { return true; }
  // Unevaluated operands read nothing.
  bool TraverseUnaryExprOrTypeTraitExpr(UnaryExprOrTypeTraitExpr*) { return true; }
  bool TraverseCXXNoexceptExpr(CXXNoexceptExpr*) { return true; }
  bool TraverseDecltypeTypeLoc(DecltypeTypeLoc) { return true; }
  bool TraverseCXXTypeidExpr(CXXTypeidExpr*) { return true; }
  bool TraverseRequiresExpr(RequiresExpr*) { return true; }

  bool VisitDeclRefExpr(DeclRefExpr* ref) {
    note(ref->getDecl(), ref->getLocation());
    return true;
  }
  bool VisitMemberExpr(MemberExpr* member) { // static data members named as obj.member
    note(member->getMemberDecl(), member->getMemberLoc());
    return true;
  }
  bool VisitVarDecl(VarDecl* var) { // `static int calls = 0;` inside the function
    if (var->isStaticLocal() || var->getTLSKind() != VarDecl::TLS_None)
      note(var, var->getLocation());
    return true;
  }

  std::vector<std::pair<const VarDecl*, SourceLocation>> uses; // first use of each

private:
  void note(const ValueDecl* decl, SourceLocation where) {
    const auto* var = dyn_cast_or_null<VarDecl>(decl);
    if (var && isMutableGlobal(*var, sources_) && seen_.insert(var->getCanonicalDecl()).second)
      uses.emplace_back(var, where);
  }

  const SourceManager& sources_;
  llvm::DenseSet<const VarDecl*> seen_;
};

bool isWritableGlobal(const VarDecl& var) {
  if (!var.hasGlobalStorage() || var.isConstexpr() || var.getType()->isReferenceType())
    return false;
  return !var.getType().isConstQualified();
}

/// The global that `expr` designates (an object lvalue if `object`, else a pointer value)
/// points into, as far as the expression shows.
const VarDecl* originGlobal(const Expr* expr, bool object) {
  while (expr) {
    expr = expr->IgnoreParens();
    if (const auto* cast = dyn_cast<CastExpr>(expr)) {
      switch (cast->getCastKind()) {
      case CK_ArrayToPointerDecay:
        object = true;
        [[fallthrough]];
      case CK_NoOp:
      case CK_BitCast:
      case CK_DerivedToBase:
      case CK_UncheckedDerivedToBase:
      case CK_BaseToDerived:
        expr = cast->getSubExpr();
        continue;
      default:
        return nullptr; // a pointer read from somewhere: not known here
      }
    }
    if (const auto* unary = dyn_cast<UnaryOperator>(expr)) {
      if (unary->getOpcode() == UO_AddrOf && !object) {
        object = true;
      } else if (unary->getOpcode() == UO_Deref && object) {
        object = false;
      } else {
        return nullptr;
      }
      expr = unary->getSubExpr();
      continue;
    }
    if (const auto* binary = dyn_cast<BinaryOperator>(expr);
        binary && !object && binary->isAdditiveOp()) {
      expr = binary->getLHS()->getType()->isPointerType() ? binary->getLHS() : binary->getRHS();
      continue;
    }
    if (const auto* member = dyn_cast<MemberExpr>(expr); member && object && !member->isArrow()) {
      expr = member->getBase();
      continue;
    }
    if (const auto* subscript = dyn_cast<ArraySubscriptExpr>(expr); subscript && object) {
      expr = subscript->getBase();
      object = false;
      continue;
    }
    if (const auto* ref = dyn_cast<DeclRefExpr>(expr); ref && object) {
      const auto* var = dyn_cast<VarDecl>(ref->getDecl());
      return var && isWritableGlobal(*var) ? var : nullptr;
    }
    return nullptr;
  }
  return nullptr;
}

class Assignments : public RecursiveASTVisitor<Assignments> {
public:
  explicit Assignments(const VarDecl& var) : var_(var) {}
  bool VisitBinaryOperator(BinaryOperator* op) {
    if (op->getOpcode() != BO_Assign)
      return true;
    const auto* ref = dyn_cast<DeclRefExpr>(op->getLHS()->IgnoreParenImpCasts());
    if (ref && ref->getDecl() == &var_ && !found)
      found = originGlobal(op->getRHS(), /*object=*/false);
    return true;
  }
  const VarDecl* found = nullptr;

private:
  const VarDecl& var_;
};

} // namespace

const VarDecl* pointsIntoWritableGlobal(const FunctionDecl& fn, const VarDecl& pointer) {
  bool reference = pointer.getType()->isReferenceType();
  if (const Expr* init = pointer.getInit())
    if (const VarDecl* global = originGlobal(init, reference))
      return global;
  if (reference || !fn.getBody())
    return nullptr;
  Assignments assignments(pointer);
  assignments.TraverseStmt(fn.getBody());
  return assignments.found;
}

bool refuseMutableGlobals(Sema& sema, const FunctionDecl& fn) {
  if (!fn.getBody())
    return false;
  GlobalUses finder(sema.getSourceManager());
  finder.TraverseStmt(fn.getBody());
  DiagnosticsEngine& diags = sema.getDiagnostics();
  unsigned error = diags.getCustomDiagID(
      DiagnosticsEngine::Error,
      "checkpointable function %0 uses %1, a mutable %select{global|static|thread_local}2 "
      "variable: it stays in this process when a virtual thread moves, so a resumed run would "
      "see another value");
  unsigned declared = diags.getCustomDiagID(DiagnosticsEngine::Note, "%0 is declared here");
  unsigned hint = diags.getCustomDiagID(
      DiagnosticsEngine::Note,
      "hint: use ppp2p::global<T> for state the virtual threads share, a parameter or a local "
      "for state of one run; mark it [[ppp2p::process_local]] if each process may keep its own "
      "(a cache); const and constexpr globals are fine");
  for (const auto& [var, where] : finder.uses) {
    unsigned kind = var->getTLSKind() != VarDecl::TLS_None ? 2 : var->isStaticLocal() ? 1 : 0;
    sema.Diag(where, error) << &fn << var << kind;
    sema.Diag(var->getLocation(), declared) << var;
    sema.Diag(var->getLocation(), hint);
  }
  return !finder.uses.empty();
}

} // namespace ppp2p::plugin
