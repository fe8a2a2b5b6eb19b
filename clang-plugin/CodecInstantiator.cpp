//===- CodecInstantiator.cpp ----------------------------------------------===//

#include "CodecInstantiator.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/Sema/Template.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang;

namespace ppp2p::plugin {
namespace {

template <class T>
T* lookupIn(ASTContext& context, DeclContext* scope, llvm::StringRef name) {
  if (!scope)
    return nullptr;
  for (NamedDecl* found : scope->lookup(&context.Idents.get(name)))
    if (auto* typed = dyn_cast<T>(found))
      return typed;
  return nullptr;
}

} // namespace

CodecInstantiator::CodecInstantiator(Sema& sema)
    : sema_(sema), mangler_(sema.getASTContext().createMangleContext()) {}

const ClassTemplateDecl* CodecInstantiator::userCodecTemplate() {
  lookUpTemplates();
  return userCodec_;
}

void CodecInstantiator::lookUpTemplates() {
  if (slotCodec_ && userCodec_ && iteratorCodec_)
    return;
  ASTContext& context = sema_.getASTContext();
  auto* ppp2p = lookupIn<NamespaceDecl>(context, context.getTranslationUnitDecl(), "ppp2p");
  auto* detail = lookupIn<NamespaceDecl>(context, ppp2p, "detail");
  slotCodec_ = lookupIn<ClassTemplateDecl>(context, detail, "slot_codec");
  iteratorCodec_ = lookupIn<ClassTemplateDecl>(context, detail, "iterator_codec");
  userCodec_ = lookupIn<ClassTemplateDecl>(context, ppp2p, "codec");
}

std::string CodecInstantiator::mangle(GlobalDecl decl) {
  std::string out;
  llvm::raw_string_ostream stream(out);
  if (mangler_->shouldMangleDeclName(cast<NamedDecl>(decl.getDecl())))
    mangler_->mangleName(decl, stream);
  else
    stream << cast<NamedDecl>(decl.getDecl())->getName();
  return out;
}

std::optional<std::vector<std::string>>
CodecInstantiator::instantiateMembers(ClassTemplateDecl* pattern, llvm::ArrayRef<QualType> types,
                                      llvm::ArrayRef<const char*> members, SourceLocation where) {
  if (!pattern)
    return std::nullopt;
  ASTContext& context = sema_.getASTContext();
  TemplateArgumentListInfo args(where, where);
  for (QualType type : types)
    args.addArgument(
        TemplateArgumentLoc(TemplateArgument(type), context.getTrivialTypeSourceInfo(type, where)));
  QualType specialization = sema_.CheckTemplateIdType(TemplateName(pattern), where, args);
  if (specialization.isNull() || !sema_.isCompleteType(where, specialization))
    return std::nullopt;
  auto* record = specialization->getAsCXXRecordDecl();
  if (!record)
    return std::nullopt;
  std::vector<std::string> symbols;
  for (const char* name : members) {
    auto* method = lookupIn<CXXMethodDecl>(context, record, name);
    if (!method)
      return std::nullopt;
    sema_.MarkFunctionReferenced(where, method);
    if (!method->hasAttr<UsedAttr>())
      method->addAttr(UsedAttr::CreateImplicit(context));
    symbols.push_back(mangle(GlobalDecl(method)));
  }
  return symbols;
}

std::optional<CodecSymbols> CodecInstantiator::instantiate(QualType type, SourceLocation where) {
  lookUpTemplates();
  QualType canonical = type.getCanonicalType().getUnqualifiedType();
  auto symbols =
      instantiateMembers(slotCodec_, {canonical}, {"save", "load", "check", "destroy"}, where);
  if (!symbols)
    return std::nullopt;
  return CodecSymbols{(*symbols)[0], (*symbols)[1], (*symbols)[2], (*symbols)[3]};
}

std::optional<IteratorSymbols> CodecInstantiator::instantiateIterator(QualType container,
                                                                      QualType iterator,
                                                                      SourceLocation where) {
  lookUpTemplates();
  auto symbols = instantiateMembers(
      iteratorCodec_,
      {container.getCanonicalType(), iterator.getCanonicalType().getUnqualifiedType()},
      {"save", "load", "check", "destroy", "element"}, where);
  if (!symbols)
    return std::nullopt;
  return IteratorSymbols{(*symbols)[0], (*symbols)[1], (*symbols)[2], (*symbols)[3],
                         (*symbols)[4]};
}

} // namespace ppp2p::plugin
