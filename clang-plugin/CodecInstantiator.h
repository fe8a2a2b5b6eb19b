//===- CodecInstantiator.h - Make Sema emit the codec of a slot type ------===//
//
// For a slot of type T, instantiates ppp2p::detail::slot_codec<T> and marks its save, load,
// check and destroy functions used, so that Clang emits them although no user code calls
// them; the pass references them by the mangled names returned here.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "clang/AST/Mangle.h"
#include "clang/Sema/Sema.h"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ppp2p::plugin {

/// The declaration of kind T named `name` directly in `scope` (null scope: none).
template <class T>
T* lookupIn(clang::ASTContext& context, clang::DeclContext* scope, llvm::StringRef name) {
  if (!scope)
    return nullptr;
  for (clang::NamedDecl* found : scope->lookup(&context.Idents.get(name)))
    if (auto* typed = llvm::dyn_cast<T>(found))
      return typed;
  return nullptr;
}

/// ppp2p::detail, once <ppp2p/codec.hpp> has been parsed.
clang::NamespaceDecl* ppp2pDetail(clang::ASTContext& context);

/// The static member functions of an instantiated codec, in the order the pass reads them:
/// save, load, check, destroy (and element, for iterators).
using CodecFunctions = std::vector<clang::CXXMethodDecl*>;

class CodecInstantiator {
public:
  explicit CodecInstantiator(clang::Sema& sema);

  /// ppp2p::codec, for the classifier's view of user specialisations; null until
  /// <ppp2p/codec.hpp> has been parsed.
  const clang::ClassTemplateDecl* userCodecTemplate();

  /// True if a partial specialisation of ppp2p::codec declared outside codec.hpp and its
  /// detail/ headers (a user's, for a class template of theirs) matches `type`.
  bool matchesPartialUserCodec(clang::QualType type);

  std::optional<CodecFunctions> instantiate(clang::QualType type, clang::SourceLocation where);

  /// ppp2p::detail::fieldwise_codec<Record, field<Type, Offset>...> for a record moved field
  /// by field (a lambda's closure).
  std::optional<CodecFunctions> instantiateFieldwise(clang::QualType record,
                                                     clang::SourceLocation where);

  /// Decides which nested aggregates instantiateFieldwise flattens (those the header's
  /// field-by-field codec cannot take apart).
  void setFlattenable(std::function<bool(clang::QualType)> flattenable) {
    flattenable_ = std::move(flattenable);
  }

  /// ppp2p::detail::iterator_codec<Container, Iterator>, for a range-for's iterators.
  std::optional<CodecFunctions> instantiateIterator(clang::QualType container,
                                                    clang::QualType iterator,
                                                    clang::SourceLocation where);

  /// The static data member `member` of ppp2p::detail::`pattern`<types...>, its definition
  /// instantiated and referenced; null if any of it is missing.
  clang::VarDecl* instantiateStaticMember(llvm::StringRef pattern,
                                          llvm::ArrayRef<clang::QualType> types,
                                          llvm::StringRef member, clang::SourceLocation where);
  std::string mangle(clang::GlobalDecl decl);

  /// `&Codec::function`, for an annotate attribute's arguments: code generation then refers to
  /// the function itself, whatever name it mangles to (unnamed local types, e.g. lambdas, get
  /// numbers that only code generation knows).
  clang::Expr* addressOf(clang::CXXMethodDecl* function, clang::SourceLocation where);

private:
  /// Finds ppp2p's templates once the header has been parsed.
  void lookUpTemplates();
  std::optional<CodecFunctions> instantiateMembers(clang::ClassTemplateDecl* pattern,
                                                   llvm::ArrayRef<clang::QualType> types,
                                                   llvm::ArrayRef<const char*> members,
                                                   clang::SourceLocation where);
  std::optional<CodecFunctions> instantiateMembers(clang::ClassTemplateDecl* pattern,
                                                   clang::TemplateArgumentListInfo& args,
                                                   llvm::ArrayRef<const char*> members,
                                                   clang::SourceLocation where);

  clang::Sema& sema_;
  std::unique_ptr<clang::MangleContext> mangler_;
  clang::ClassTemplateDecl* slotCodec_ = nullptr;
  clang::ClassTemplateDecl* iteratorCodec_ = nullptr;
  clang::ClassTemplateDecl* fieldwiseCodec_ = nullptr;
  clang::ClassTemplateDecl* field_ = nullptr;
  clang::ClassTemplateDecl* vtablePointer_ = nullptr;
  std::function<bool(clang::QualType)> flattenable_ = [](clang::QualType) { return false; };
  clang::ClassTemplateDecl* userCodec_ = nullptr;
};

} // namespace ppp2p::plugin
