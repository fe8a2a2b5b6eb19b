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
  if (slotCodec_ && userCodec_)
    return;
  ASTContext& context = sema_.getASTContext();
  auto* ppp2p = lookupIn<NamespaceDecl>(context, context.getTranslationUnitDecl(), "ppp2p");
  auto* detail = lookupIn<NamespaceDecl>(context, ppp2p, "detail");
  slotCodec_ = lookupIn<ClassTemplateDecl>(context, detail, "slot_codec");
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

std::optional<CodecSymbols> CodecInstantiator::instantiate(QualType type, SourceLocation where) {
  lookUpTemplates();
  if (!slotCodec_)
    return std::nullopt;
  ASTContext& context = sema_.getASTContext();
  QualType canonical = type.getCanonicalType().getUnqualifiedType();
  TemplateArgumentListInfo args(where, where);
  args.addArgument(
      TemplateArgumentLoc(TemplateArgument(canonical),
                          context.getTrivialTypeSourceInfo(canonical, where)));
  QualType specialization = sema_.CheckTemplateIdType(TemplateName(slotCodec_), where, args);
  if (specialization.isNull() || !sema_.isCompleteType(where, specialization))
    return std::nullopt;
  auto* record = specialization->getAsCXXRecordDecl();
  if (!record)
    return std::nullopt;

  CodecSymbols out;
  std::pair<const char*, std::string*> members[] = {
      {"save", &out.save}, {"load", &out.load}, {"check", &out.check}, {"destroy", &out.destroy}};
  for (auto [name, symbol] : members) {
    auto* method = lookupIn<CXXMethodDecl>(context, record, name);
    if (!method)
      return std::nullopt;
    sema_.MarkFunctionReferenced(where, method);
    if (!method->hasAttr<UsedAttr>())
      method->addAttr(UsedAttr::CreateImplicit(context));
    *symbol = mangle(GlobalDecl(method));
  }
  return out;
}

} // namespace ppp2p::plugin
