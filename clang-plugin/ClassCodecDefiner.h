//===- ClassCodecDefiner.h - Codecs of classes, from their layout ---------===//
//
// <ppp2p/detail/class_fields_codec.hpp> declares ppp2p::detail::class_fields_codec<T>() and
// never defines it: codec<T> calls it for a class C++ cannot take apart (private fields, no
// serialize() member). At the end of the translation unit this gives each instantiation a
// body returning the table of fieldwise_codec<T, field<Type, Offset>...> (the codec frame
// slots of T use), or reports, at T, why T cannot move field by field.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "CodecInstantiator.h"
#include "TypeClassifier.h"

#include "clang/Sema/Sema.h"
#include "llvm/ADT/DenseSet.h"

namespace ppp2p::plugin {

class ClassCodecDefiner {
public:
  ClassCodecDefiner(clang::Sema& sema, CodecInstantiator& codecs, TypeClassifier& classifier)
      : sema_(sema), codecs_(codecs), classifier_(classifier) {}

  /// Defines (or refuses) every instantiation not handled yet; returns whether there was any.
  /// Their bodies instantiate more templates, which may ask for more classes: the caller
  /// performs pending instantiations and calls this again until it returns false.
  bool defineNew();

private:
  void define(clang::FunctionDecl& instantiation);
  void refuse(clang::QualType type, const Classification& why);
  /// Trivially copyable classes codec<T> copies as bytes though they hold pointers in fields it
  /// cannot see (not an aggregate's): refused at the class.
  void refuseRawBytesWithPointers();

  clang::Sema& sema_;
  CodecInstantiator& codecs_;
  TypeClassifier& classifier_;
  llvm::DenseSet<const clang::FunctionDecl*> handled_;
};

} // namespace ppp2p::plugin
