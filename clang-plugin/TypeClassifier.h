//===- TypeClassifier.h - Can a value of this type move? ------------------===//
//
// Mirrors the rules of include/ppp2p/codec.hpp so that a value that cannot move is reported at
// the variable, with the reason, before any template is instantiated:
//   raw     trivially copyable with no pointer anywhere inside: moved as bytes;
//   codec   moved by ppp2p::codec<T> (standard containers and vocabulary types of movable
//           types, aggregates of movable fields, serialize() members, user specialisations,
//           other classes field by field from their layout);
//   refused everything else, with the reason and a hint.
//
//===----------------------------------------------------------------------===//
#pragma once

#include <functional>

#include "clang/AST/ASTContext.h"
#include "clang/AST/Type.h"
#include "llvm/ADT/DenseMap.h"

#include <optional>
#include <string>

namespace clang {
class ClassTemplateDecl;
}

namespace ppp2p::plugin {

enum class Movability { Raw, Codec, Refused };

struct Classification {
  Movability movability = Movability::Raw;
  std::string reason; // for Refused: why, e.g. "raw pointers hold addresses of this process"
  std::string hint;   // for Refused: what to do instead
  /// Moved field by field by a codec the plugin instantiates from the record's layout: lambda
  /// closures and classes C++ cannot take apart (Codec: everywhere, through
  /// class_fields_codec<T> where not a variable), and aggregates whose layout the header cannot
  /// take apart (Refused as container elements, but movable as variables: see
  /// classifyVariable).
  bool fieldwise = false;
  /// Holds raw pointers to class objects (which move the objects they reach): never raw.
  bool pointers = false;
};

class TypeClassifier {
public:
  explicit TypeClassifier(clang::ASTContext& context) : context_(context) {}

  /// ppp2p::codec, whose explicit specialisations by users make their types movable; and a
  /// test for partial specialisations of it outside <ppp2p/codec.hpp> (users' class templates).
  void setUserCodec(const clang::ClassTemplateDecl* userCodec,
                    std::function<bool(clang::QualType)> partialUserCodec) {
    userCodec_ = userCodec;
    partialUserCodec_ = std::move(partialUserCodec);
  }

  Classification classify(clang::QualType type);

  /// As classify(), for a variable itself (not an element of a container): aggregates the
  /// header cannot take apart still move, by a codec built from their layout.
  Classification classifyVariable(clang::QualType type);

  /// For a pointer, reference, contiguous iterator or view variable (nothing for other types):
  /// Raw if it can move relocated, as an offset into what the snapshot holds (which the runtime
  /// checks at capture), else Refused: pointers to FILE and other process resources.
  /// Views (std::string_view, std::span) are a pointer and a length: `pointerOffset` receives
  /// where the pointer lies in the object (0 for the others).
  std::optional<Classification> classifyPointerVariable(clang::QualType type,
                                                        unsigned* pointerOffset = nullptr);

  /// The class a pointer of type `pointer` points to if such a pointer moves the objects it
  /// reaches (a user's class; not a standard one, which a pointer usually finds inside another
  /// container, nor a process resource or an abstract class); else null.
  const clang::CXXRecordDecl* trackablePointee(clang::QualType pointer);

private:
  Classification classifyRecord(const clang::CXXRecordDecl* record, clang::QualType type);
  /// Standard library templates with a known codec (or known to be unmovable); nothing for
  /// other standard types, which follow the general rules.
  std::optional<Classification> classifyStd(const clang::CXXRecordDecl* record,
                                            llvm::StringRef name);
  /// Streams, threads and synchronisation objects: refused with what moves instead.
  std::optional<Classification> classifyProcessResource(const clang::CXXRecordDecl* record);
  Classification classifyFields(const clang::CXXRecordDecl* record, bool aggregate);
  bool hasUserCodec(clang::QualType type) const;

  clang::ASTContext& context_;
  const clang::ClassTemplateDecl* userCodec_ = nullptr;
  std::function<bool(clang::QualType)> partialUserCodec_;
  llvm::DenseMap<const clang::Type*, Classification> cache_;
};

} // namespace ppp2p::plugin
