//===- PolymorphicRegistrar.cpp -------------------------------------------===//

#include "PolymorphicRegistrar.h"

#include "CodecInstantiator.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/CXXInheritance.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"

using namespace clang;

namespace ppp2p::plugin {

bool PolymorphicRegistrar::registerNew() {
  llvm::SmallVector<const CXXRecordDecl*, 4> bases;
  ownedBases(bases);
  if (bases.empty())
    return false;
  llvm::SmallVector<const CXXRecordDecl*, 32> classes;
  polymorphicClasses(sema_.getASTContext().getTranslationUnitDecl(), classes);
  bool any = false;
  for (const CXXRecordDecl* base : bases)
    for (const CXXRecordDecl* derived : classes)
      if (derived != base && !done_.contains({base, derived}) && canBeOwnedAs(*derived, *base)) {
        done_.insert({base, derived});
        instantiate(*base, *derived);
        any = true;
      }
  return any;
}

void PolymorphicRegistrar::ownedBases(llvm::SmallVectorImpl<const CXXRecordDecl*>& bases) {
  ASTContext& context = sema_.getASTContext();
  auto* ppp2p = lookupIn<NamespaceDecl>(context, context.getTranslationUnitDecl(), "ppp2p");
  auto* codec = lookupIn<ClassTemplateDecl>(context, ppp2p, "codec");
  if (!codec)
    return;
  for (const ClassTemplateSpecializationDecl* spec : codec->specializations()) {
    if (spec->getTemplateArgs().size() != 1 ||
        spec->getTemplateArgs()[0].getKind() != TemplateArgument::Type)
      continue;
    const auto* owner = dyn_cast_or_null<ClassTemplateSpecializationDecl>(
        spec->getTemplateArgs()[0].getAsType()->getAsCXXRecordDecl());
    if (!owner || !owner->isInStdNamespace() || !owner->getIdentifier() ||
        (owner->getName() != "unique_ptr" && owner->getName() != "shared_ptr") ||
        owner->getTemplateArgs().size() < 1 ||
        owner->getTemplateArgs()[0].getKind() != TemplateArgument::Type)
      continue;
    const CXXRecordDecl* base = owner->getTemplateArgs()[0].getAsType()->getAsCXXRecordDecl();
    if (base && base->hasDefinition() && base->getDefinition()->isPolymorphic() &&
        !base->getDefinition()->hasAttr<FinalAttr>())
      if (std::find(bases.begin(), bases.end(), base->getDefinition()) == bases.end())
        bases.push_back(base->getDefinition());
  }
}

void PolymorphicRegistrar::polymorphicClasses(DeclContext* scope,
                                              llvm::SmallVectorImpl<const CXXRecordDecl*>& out) {
  for (Decl* member : scope->decls()) {
    if (auto* tmpl = dyn_cast<ClassTemplateDecl>(member)) {
      for (ClassTemplateSpecializationDecl* spec : tmpl->specializations())
        if (spec->isCompleteDefinition() && !spec->isDependentContext()) {
          if (spec->isPolymorphic() && !spec->isAbstract())
            out.push_back(spec);
          polymorphicClasses(spec, out);
        }
      continue;
    }
    if (auto* record = dyn_cast<CXXRecordDecl>(member)) {
      if (!record->isCompleteDefinition() || record->isDependentContext() || record->isLambda() ||
          isa<ClassTemplateSpecializationDecl>(record))
        continue;
      if (record->isPolymorphic() && !record->isAbstract())
        out.push_back(record);
      polymorphicClasses(record, out);
      continue;
    }
    if (isa<NamespaceDecl, LinkageSpecDecl, ExportDecl>(member))
      polymorphicClasses(cast<DeclContext>(member), out);
    // Classes defined inside a function's body (a local class is a template argument like any
    // other since C++11, so its registration is instantiated the same way).
    if (auto* fn = dyn_cast<FunctionDecl>(member);
        fn && fn->doesThisDeclarationHaveABody() && !fn->isDependentContext())
      polymorphicClasses(fn, out);
    if (auto* tmpl = dyn_cast<FunctionTemplateDecl>(member))
      for (FunctionDecl* spec : tmpl->specializations())
        if (spec->doesThisDeclarationHaveABody())
          polymorphicClasses(spec, out);
  }
}

bool PolymorphicRegistrar::canBeOwnedAs(const CXXRecordDecl& derived, const CXXRecordDecl& base) {
  CXXBasePaths paths(/*FindAmbiguities=*/true, /*RecordPaths=*/true, /*DetectVirtual=*/true);
  if (!derived.isDerivedFrom(&base, paths))
    return false;
  ASTContext& context = sema_.getASTContext();
  if (paths.isAmbiguous(context.getCanonicalType(context.getRecordType(&base))) ||
      paths.getDetectedVirtual())
    return false;
  for (const CXXBasePathElement& step : paths.front())
    if (step.Base->getAccessSpecifier() != AS_public)
      return false;
  // What cannot move is left out: an object of it then fails its encoding by name, and a
  // variable of it is refused where it is declared.
  return classifier_.classify(context.getRecordType(&derived)).movability != Movability::Refused;
}

void PolymorphicRegistrar::instantiate(const CXXRecordDecl& base, const CXXRecordDecl& derived) {
  ASTContext& context = sema_.getASTContext();
  VarDecl* registered = codecs_.instantiateStaticMember(
      "polymorphic_registration", {context.getRecordType(&base), context.getRecordType(&derived)},
      "registered", derived.getLocation());
  if (registered && !registered->hasAttr<UsedAttr>())
    registered->addAttr(UsedAttr::CreateImplicit(context)); // emitted although nothing names it
}

} // namespace ppp2p::plugin
