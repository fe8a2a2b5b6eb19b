//===- Annotations.h - Annotate attributes the plugin puts on declarations -*- C++ -*-===//
#pragma once

#include "clang/AST/Attr.h"
#include "clang/AST/DeclBase.h"
#include "llvm/ADT/StringRef.h"

namespace ppp2p::plugin {

/// Whether any declaration of `decl` carries an annotate attribute `tag` (the attribute may be
/// on a declaration other than the definition).
inline bool hasAnnotation(const clang::Decl* decl, llvm::StringRef tag) {
  for (const clang::Decl* redecl : decl->redecls())
    for (const auto* annotation : redecl->specific_attrs<clang::AnnotateAttr>())
      if (annotation->getAnnotation() == tag)
        return true;
  return false;
}

} // namespace ppp2p::plugin
