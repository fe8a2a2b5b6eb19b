//===- AnnotationFormat.h - The plugin -> pass contract ---------*- C++ -*-===//
//
// The Clang plugin tells the LLVM pass what it learnt from the AST through annotate attributes:
// `llvm.global.annotations` entries on checkpointable functions and `llvm.var.annotation`
// calls on the storage of their locals and parameters. Each annotation is
//
//   <tag>;<key>=<value>;<key>=<value>...
//
// Values never contain ';' (the writer replaces it). Keys are listed below; the reader ignores
// keys it does not know, so fields can be added without breaking older passes.
//
//===----------------------------------------------------------------------===//
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>
#include <utility>

namespace ppp2p::annotation {

/// On every function declared [[ppp2p::checkpointable]] (set when the attribute is parsed).
inline constexpr llvm::StringLiteral kCheckpointableTag = "ppp2p.checkpointable";
/// On a function whose [[ppp2p::checkpointable]] was refused with an error (plugin only).
inline constexpr llvm::StringLiteral kCheckpointableRefusedTag = "ppp2p.checkpointable.refused";

/// On the definition of a checkpointable function, once analysed. Keys:
///   name     display name, e.g. "evolve(Problem, Params)"
///   ret      typeid name of the return type ("v" for void)
///   callees  comma-separated mangled names of the checkpointable functions it calls at sites
///   vcalls   comma-separated `first-last:slot`, one per virtual call site: the lines the call
///            spans and the vtable slot (Itanium index) its callee is loaded from
///   temps    comma-separated `dtor:k`: the temporary whose destructor has this mangled name
///            is moved by the codec functions at arguments [4k, 4k + 4) of the annotation
///   this     for a non-static member function, the type of `this` (e.g. "Graph *")
inline constexpr llvm::StringLiteral kFunctionTag = "ppp2p.fn";

/// On each local variable and parameter of an analysed checkpointable function. Keys:
///   name     source name
///   type     type as written
///   live     "1" if the value is live across at least one site, else "0"
///   role     "local" or "param"
///   id       index among the function's locals (other slots refer to it)
///   kind     "raw" (moved as bytes), "codec" (moved by the codec whose save, load, check and
///            destroy functions are the annotation's arguments), "frame_pointer" (with
///            `target`: an id, "temporary" or "range:<id>"; `extent`), "iterator" (with
///            `container`; arguments save, load, check, destroy, element), "pointer" (a
///            pointer, reference, contiguous iterator or view, relocated by the runtime; with
///            `at`, the pointer's offset in the object),
///            "element_reference" (with `base`), or "refused" (cannot move; the AST found it
///            dead at every site, and the pass reports it if the IR disagrees), with `reason`
///            and `hint`
///   addressed  "1" if a frame_pointer refers into it
///   line, col  where the variable is declared
///   dtor     "1" if T has a non-trivial destructor
inline constexpr llvm::StringLiteral kSlotTag = "ppp2p.slot";

struct Annotation {
  llvm::StringRef tag;
  llvm::StringMap<std::string> fields;

  llvm::StringRef get(llvm::StringRef key) const {
    auto it = fields.find(key);
    return it == fields.end() ? llvm::StringRef() : llvm::StringRef(it->second);
  }
};

inline std::string format(llvm::StringRef tag,
                          llvm::ArrayRef<std::pair<llvm::StringRef, std::string>> fields) {
  std::string out = tag.str();
  for (const auto& [key, value] : fields) {
    out += ';';
    out += key;
    out += '=';
    for (char c : value)
      out += c == ';' ? ',' : c;
  }
  return out;
}

inline std::optional<Annotation> parse(llvm::StringRef text) {
  if (!text.starts_with("ppp2p."))
    return std::nullopt;
  Annotation out;
  auto [tag, rest] = text.split(';');
  out.tag = tag;
  while (!rest.empty()) {
    auto [field, tail] = rest.split(';');
    auto [key, value] = field.split('=');
    out.fields[key] = value.str();
    rest = tail;
  }
  return out;
}

} // namespace ppp2p::annotation
