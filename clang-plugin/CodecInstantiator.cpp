//===- CodecInstantiator.cpp ----------------------------------------------===//

#include "CodecInstantiator.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/Expr.h"
#include "clang/AST/RecordLayout.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Sema/Lookup.h"

#include "clang/Sema/Template.h"
#include "clang/Sema/TemplateDeduction.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <functional>

using namespace clang;

namespace ppp2p::plugin {

NamespaceDecl* ppp2pDetail(ASTContext& context) {
  auto* ppp2p = lookupIn<NamespaceDecl>(context, context.getTranslationUnitDecl(), "ppp2p");
  return lookupIn<NamespaceDecl>(context, ppp2p, "detail");
}

CodecInstantiator::CodecInstantiator(Sema& sema)
    : sema_(sema), mangler_(sema.getASTContext().createMangleContext()) {}

const ClassTemplateDecl* CodecInstantiator::userCodecTemplate() {
  lookUpTemplates();
  return userCodec_;
}

bool CodecInstantiator::matchesPartialUserCodec(QualType type) {
  lookUpTemplates();
  if (!userCodec_)
    return false;
  const SourceManager& sources = sema_.getSourceManager();
  // codec.hpp and the detail/ headers beside it specialise the codec for standard types (and
  // refuse pointers and references), which are classified by their elements instead. Other
  // ppp2p headers specialise it for their own class templates (messages.hpp: Global<T>): those
  // count as users' codecs. Found from the primary template's definition, whoever else
  // redeclares it.
  const CXXRecordDecl* primary = userCodec_->getTemplatedDecl()->getDefinition();
  SourceLocation primaryAt = primary ? primary->getLocation() : userCodec_->getLocation();
  llvm::StringRef codecHeader = sources.getFilename(sources.getExpansionLoc(primaryAt));
  llvm::SmallString<256> detailDir(llvm::sys::path::parent_path(codecHeader));
  llvm::sys::path::append(detailDir, "detail");
  auto inStdCodecHeaders = [&](SourceLocation where) {
    llvm::StringRef file = sources.getFilename(sources.getExpansionLoc(where));
    return file == codecHeader || (file.starts_with(detailDir) && file.size() > detailDir.size() &&
                                   llvm::sys::path::is_separator(file[detailDir.size()]));
  };
  llvm::SmallVector<ClassTemplatePartialSpecializationDecl*, 8> partials;
  userCodec_->getPartialSpecializations(partials);
  for (ClassTemplatePartialSpecializationDecl* partial : partials) {
    if (inStdCodecHeaders(partial->getLocation()))
      continue;
    sema::TemplateDeductionInfo info(partial->getLocation());
    TemplateArgument argument(type);
    if (sema_.DeduceTemplateArguments(partial, llvm::ArrayRef(argument), info) ==
        TemplateDeductionResult::Success)
      return true;
  }
  return false;
}

void CodecInstantiator::lookUpTemplates() {
  if (slotCodec_ && userCodec_ && iteratorCodec_ && fieldwiseCodec_ && field_ && vtablePointer_)
    return;
  ASTContext& context = sema_.getASTContext();
  auto* ppp2p = lookupIn<NamespaceDecl>(context, context.getTranslationUnitDecl(), "ppp2p");
  auto* detail = ppp2pDetail(context);
  slotCodec_ = lookupIn<ClassTemplateDecl>(context, detail, "slot_codec");
  iteratorCodec_ = lookupIn<ClassTemplateDecl>(context, detail, "iterator_codec");
  fieldwiseCodec_ = lookupIn<ClassTemplateDecl>(context, detail, "fieldwise_codec");
  field_ = lookupIn<ClassTemplateDecl>(context, detail, "field");
  vtablePointer_ = lookupIn<ClassTemplateDecl>(context, detail, "vtable_pointer");
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

std::optional<CodecFunctions>
CodecInstantiator::instantiateMembers(ClassTemplateDecl* pattern, llvm::ArrayRef<QualType> types,
                                      llvm::ArrayRef<const char*> members, SourceLocation where) {
  if (!pattern)
    return std::nullopt;
  ASTContext& context = sema_.getASTContext();
  TemplateArgumentListInfo args(where, where);
  for (QualType type : types)
    args.addArgument(
        TemplateArgumentLoc(TemplateArgument(type), context.getTrivialTypeSourceInfo(type, where)));
  return instantiateMembers(pattern, args, members, where);
}

VarDecl* CodecInstantiator::instantiateStaticMember(llvm::StringRef pattern,
                                                    llvm::ArrayRef<QualType> types,
                                                    llvm::StringRef member, SourceLocation where) {
  ASTContext& context = sema_.getASTContext();
  auto* templ = lookupIn<ClassTemplateDecl>(context, ppp2pDetail(context), pattern);
  if (!templ)
    return nullptr;
  TemplateArgumentListInfo args(where, where);
  for (QualType type : types)
    args.addArgument(
        TemplateArgumentLoc(TemplateArgument(type), context.getTrivialTypeSourceInfo(type, where)));
  QualType specialization = sema_.CheckTemplateIdType(TemplateName(templ), where, args);
  if (specialization.isNull() || !sema_.isCompleteType(where, specialization))
    return nullptr;
  auto* variable = lookupIn<VarDecl>(context, specialization->getAsCXXRecordDecl(), member);
  if (variable)
    sema_.MarkVariableReferenced(where, variable);
  return variable;
}

std::optional<CodecFunctions>
CodecInstantiator::instantiateMembers(ClassTemplateDecl* pattern, TemplateArgumentListInfo& args,
                                      llvm::ArrayRef<const char*> members, SourceLocation where) {
  if (!pattern)
    return std::nullopt;
  ASTContext& context = sema_.getASTContext();
  QualType specialization = sema_.CheckTemplateIdType(TemplateName(pattern), where, args);
  if (specialization.isNull() || !sema_.isCompleteType(where, specialization))
    return std::nullopt;
  auto* record = specialization->getAsCXXRecordDecl();
  if (!record)
    return std::nullopt;
  CodecFunctions functions;
  for (const char* name : members) {
    auto* method = lookupIn<CXXMethodDecl>(context, record, name);
    if (!method)
      return std::nullopt;
    sema_.MarkFunctionReferenced(where, method);
    if (!method->hasAttr<UsedAttr>())
      method->addAttr(UsedAttr::CreateImplicit(context));
    functions.push_back(method);
  }
  return functions;
}

std::optional<CodecFunctions> CodecInstantiator::instantiate(QualType type, SourceLocation where) {
  lookUpTemplates();
  QualType canonical = type.getCanonicalType().getUnqualifiedType();
  return instantiateMembers(slotCodec_, {canonical}, {"save", "load", "check", "destroy"}, where);
}

Expr* CodecInstantiator::addressOf(CXXMethodDecl* function, SourceLocation where) {
  Expr* reference = sema_.BuildDeclRefExpr(function, function->getType(), VK_LValue, where);
  ExprResult address = sema_.CreateBuiltinUnaryOp(where, UO_AddrOf, reference);
  if (!address.isUsable())
    return nullptr;
  // Code generation emits annotation arguments from their evaluated constant value.
  ASTContext& context = sema_.getASTContext();
  Expr::EvalResult result;
  if (!address.get()->EvaluateAsConstantExpr(result, context))
    return nullptr;
  return ConstantExpr::Create(context, address.get(), result.Val);
}

std::optional<CodecFunctions> CodecInstantiator::instantiateFieldwise(QualType type,
                                                                      SourceLocation where) {
  lookUpTemplates();
  const auto* record = type->getAsCXXRecordDecl();
  if (!record || !fieldwiseCodec_ || !field_)
    return std::nullopt;
  ASTContext& context = sema_.getASTContext();
  QualType canonical = type.getCanonicalType().getUnqualifiedType();
  TemplateArgumentListInfo args(where, where);
  args.addArgument(TemplateArgumentLoc(TemplateArgument(canonical),
                                       context.getTrivialTypeSourceInfo(canonical, where)));
  // Fields of bases and of nested aggregates the header cannot take apart are flattened: each
  // is constructed in place at its offset in the whole. So are vtable pointers, as
  // vtable_pointer<Record, Offset> fields.
  bool ok = true;
  auto addField = [&](QualType fieldType, CharUnits offset) {
    llvm::APSInt value(context.getTypeSize(context.getSizeType()), /*isUnsigned=*/true);
    value = offset.getQuantity();
    Expr* offsetExpr = IntegerLiteral::Create(context, value, context.getSizeType(), where);
    TemplateArgumentLoc offsetArg(TemplateArgument(offsetExpr), offsetExpr);
    if (fieldType.isNull()) { // the vtable pointer at `offset`
      TemplateArgumentListInfo pointerArgs(where, where);
      pointerArgs.addArgument(TemplateArgumentLoc(
          TemplateArgument(canonical), context.getTrivialTypeSourceInfo(canonical, where)));
      pointerArgs.addArgument(offsetArg);
      fieldType = vtablePointer_
                      ? sema_.CheckTemplateIdType(TemplateName(vtablePointer_), where, pointerArgs)
                      : QualType();
      if (fieldType.isNull()) {
        ok = false;
        return;
      }
    }
    TemplateArgumentListInfo fieldArgs(where, where);
    fieldArgs.addArgument(TemplateArgumentLoc(TemplateArgument(fieldType),
                                              context.getTrivialTypeSourceInfo(fieldType, where)));
    fieldArgs.addArgument(offsetArg);
    QualType fieldSpec = sema_.CheckTemplateIdType(TemplateName(field_), where, fieldArgs);
    if (fieldSpec.isNull()) {
      ok = false;
      return;
    }
    args.addArgument(TemplateArgumentLoc(TemplateArgument(fieldSpec),
                                         context.getTrivialTypeSourceInfo(fieldSpec, where)));
  };
  std::function<void(const CXXRecordDecl*, CharUnits)> flatten = [&](const CXXRecordDecl* part,
                                                                     CharUnits at) {
    const ASTRecordLayout& partLayout = context.getASTRecordLayout(part);
    if (partLayout.hasOwnVFPtr())
      addField(QualType(), at);
    for (const CXXBaseSpecifier& base : part->bases())
      if (const CXXRecordDecl* baseRecord = base.getType()->getAsCXXRecordDecl())
        flatten(baseRecord, at + partLayout.getBaseClassOffset(baseRecord));
    for (const FieldDecl* field : part->fields()) {
      if (field->isUnnamedBitField())
        continue;
      QualType fieldType = field->getType().getCanonicalType().getUnqualifiedType();
      CharUnits offset =
          at + context.toCharUnitsFromBits(partLayout.getFieldOffset(field->getFieldIndex()));
      const auto* nested = fieldType->getAsCXXRecordDecl();
      if (nested && !nested->isLambda() && flattenable_(fieldType)) {
        flatten(nested, offset);
        continue;
      }
      addField(fieldType, offset);
    }
  };
  flatten(record, CharUnits::Zero());
  if (!ok)
    return std::nullopt;
  return instantiateMembers(fieldwiseCodec_, args, {"save", "load", "check", "destroy"}, where);
}

std::optional<CodecFunctions> CodecInstantiator::instantiateIterator(QualType container,
                                                                     QualType iterator,
                                                                     SourceLocation where) {
  lookUpTemplates();
  return instantiateMembers(
      iteratorCodec_,
      {container.getCanonicalType(), iterator.getCanonicalType().getUnqualifiedType()},
      {"save", "load", "check", "destroy", "element"}, where);
}

} // namespace ppp2p::plugin
