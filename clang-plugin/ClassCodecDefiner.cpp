//===- ClassCodecDefiner.cpp ----------------------------------------------===//

#include "ClassCodecDefiner.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/Stmt.h"
#include "clang/Basic/Diagnostic.h"

using namespace clang;

namespace ppp2p::plugin {
namespace {

/// Whether a pointer lies anywhere in an object of `type` (fields, bases, array elements).
bool holdsPointer(ASTContext& context, QualType type) {
  type = type.getCanonicalType();
  if (type->isPointerType() || type->isMemberPointerType())
    return true;
  if (const auto* array = context.getAsConstantArrayType(type))
    return holdsPointer(context, array->getElementType());
  const auto* record = type->getAsCXXRecordDecl();
  if (!record || !record->hasDefinition())
    return false;
  for (const CXXBaseSpecifier& base : record->getDefinition()->bases())
    if (holdsPointer(context, base.getType()))
      return true;
  for (const FieldDecl* field : record->getDefinition()->fields())
    if (holdsPointer(context, field->getType()))
      return true;
  return false;
}

} // namespace

bool ClassCodecDefiner::defineNew() {
  ASTContext& context = sema_.getASTContext();
  auto* pattern =
      lookupIn<FunctionTemplateDecl>(context, ppp2pDetail(context), "class_fields_codec");
  if (!pattern)
    return false;
  llvm::SmallVector<FunctionDecl*, 8> fresh;
  for (FunctionDecl* instantiation : pattern->specializations())
    if (handled_.insert(instantiation).second)
      fresh.push_back(instantiation);
  for (FunctionDecl* instantiation : fresh)
    define(*instantiation);
  refuseRawBytesWithPointers();
  return !fresh.empty();
}

void ClassCodecDefiner::refuseRawBytesWithPointers() {
  // codec<T> copies a trivially copyable T as its bytes unless it can see pointers in it (an
  // aggregate's); in private fields only the layout shows them.
  ASTContext& context = sema_.getASTContext();
  auto* saveRaw = lookupIn<FunctionTemplateDecl>(context, ppp2pDetail(context), "save_raw");
  if (!saveRaw)
    return;
  for (FunctionDecl* instantiation : saveRaw->specializations()) {
    const TemplateArgumentList* args = instantiation->getTemplateSpecializationArgs();
    if (!handled_.insert(instantiation).second || !args || args->size() != 1 ||
        args->get(0).getKind() != TemplateArgument::Type)
      continue;
    QualType type = args->get(0).getAsType().getCanonicalType();
    if (!type->getAsCXXRecordDecl() || !holdsPointer(context, type))
      continue;
    Classification c = classifier_.classify(type);
    if (c.movability == Movability::Refused)
      refuse(type, c);
  }
}

void ClassCodecDefiner::define(FunctionDecl& instantiation) {
  const TemplateArgumentList* args = instantiation.getTemplateSpecializationArgs();
  if (!args || args->size() != 1 || args->get(0).getKind() != TemplateArgument::Type ||
      instantiation.hasBody())
    return;
  ASTContext& context = sema_.getASTContext();
  QualType type = args->get(0).getAsType().getCanonicalType();
  Classification c = classifier_.classify(type);
  if (c.movability == Movability::Refused || !c.fieldwise) {
    if (c.movability != Movability::Refused)
      c = {Movability::Refused, "ppp2p has no codec for it",
           "give it a member `template <class Ar> void serialize(Ar& ar) { ar(fields...); }`, "
           "or specialise ppp2p::codec for it"};
    refuse(type, c);
    return;
  }
  SourceLocation where = instantiation.getPointOfInstantiation();
  std::optional<CodecFunctions> functions = codecs_.instantiateFieldwise(type, where);
  if (!functions || functions->empty()) {
    refuse(type, {Movability::Refused, "its field-by-field codec could not be instantiated",
                  "give it a member `template <class Ar> void serialize(Ar& ar) { "
                  "ar(fields...); }`"});
    return;
  }
  // return class_codec_table_of<fieldwise_codec<T, field<Type, Offset>...>>::value;
  QualType codec = context.getTypeDeclType(functions->front()->getParent());
  VarDecl* value = codecs_.instantiateStaticMember("class_codec_table_of", {codec}, "value", where);
  if (!value)
    return;
  Expr* reference = sema_.BuildDeclRefExpr(value, value->getType(), VK_LValue, where);
  Stmt* body =
      CompoundStmt::Create(context, {ReturnStmt::Create(context, where, reference, nullptr)},
                           FPOptionsOverride(), where, where);
  instantiation.setBody(body);
  // Code generation has seen calls of it as a declaration; now that it has a body, emit it.
  sema_.getASTConsumer().HandleTopLevelDecl(DeclGroupRef(&instantiation));
}

void ClassCodecDefiner::refuse(QualType type, const Classification& why) {
  DiagnosticsEngine& diags = sema_.getDiagnostics();
  SourceLocation at;
  if (const auto* record = type->getAsCXXRecordDecl())
    at = record->getLocation();
  diags.Report(at, diags.getCustomDiagID(DiagnosticsEngine::Error,
                                         "ppp2p: %0 cannot move inside a container, as an "
                                         "argument, a result or a message: %1"))
      << type << why.reason;
  if (!why.hint.empty())
    diags.Report(at, diags.getCustomDiagID(DiagnosticsEngine::Note, "hint: %0")) << why.hint;
}

} // namespace ppp2p::plugin
