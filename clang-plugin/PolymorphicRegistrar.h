//===- PolymorphicRegistrar.h - Classes owned through a polymorphic base --===//
//
// A unique_ptr or shared_ptr to a polymorphic class that is not final may own an object of any
// class derived from it (<ppp2p/detail/polymorphic_owners.hpp>). At the end of the translation
// unit, for each such base whose smart pointer's codec was instantiated, this instantiates
// polymorphic_registration<Base, Derived>::registered (a static initialiser, kept by a `used`
// attribute) for every class of the unit derived from it that can move (those of namespaces,
// classes, and function bodies): public, unambiguous, not abstract, no virtual base on the way.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "CodecInstantiator.h"
#include "TypeClassifier.h"

#include "clang/Sema/Sema.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallVector.h"

#include <utility>

namespace ppp2p::plugin {

class PolymorphicRegistrar {
public:
  PolymorphicRegistrar(clang::Sema& sema, CodecInstantiator& codecs, TypeClassifier& classifier)
      : sema_(sema), codecs_(codecs), classifier_(classifier) {}

  /// Registers the pairs not registered yet; returns whether there was any (their codecs ask
  /// for more instantiations: the caller performs them and calls this again).
  bool registerNew();

private:
  void ownedBases(llvm::SmallVectorImpl<const clang::CXXRecordDecl*>& bases);
  void polymorphicClasses(clang::DeclContext* scope,
                          llvm::SmallVectorImpl<const clang::CXXRecordDecl*>& out);
  bool canBeOwnedAs(const clang::CXXRecordDecl& derived, const clang::CXXRecordDecl& base);
  void instantiate(const clang::CXXRecordDecl& base, const clang::CXXRecordDecl& derived);

  clang::Sema& sema_;
  CodecInstantiator& codecs_;
  TypeClassifier& classifier_;
  llvm::DenseSet<std::pair<const clang::CXXRecordDecl*, const clang::CXXRecordDecl*>> done_;
};

} // namespace ppp2p::plugin
