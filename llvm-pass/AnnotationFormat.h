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

/// On the definition of a checkpointable function, once analysed. Keys:
///   name     display name, e.g. "evolve(Problem, Params)"
///   ret      typeid name of the return type ("v" for void)
///   callees  comma-separated mangled names of the checkpointable functions it calls at sites
///   temps    comma-separated `dtor:save:load:check:destroy` codecs of the types of its
///            temporaries with destructors, keyed by each destructor variant's mangled name
inline constexpr llvm::StringLiteral kFunctionTag = "ppp2p.fn";

/// On each local variable and parameter of an analysed checkpointable function. Keys:
///   name     source name
///   type     type as written
///   live     "1" if the value is live across at least one site, else "0"
///   role     "local" or "param"
///   kind     "raw" (moved as bytes), "codec" (moved by ppp2p::detail::slot_codec<T>), or
///            "refused" (cannot move; the AST found it dead at every site, and the pass
///            reports it if the IR disagrees), with `reason` and `hint`
///   line, col  where the variable is declared
///   save, load, check, destroy   mangled names of slot_codec<T>'s functions (kind=codec)
///   dtor     comma-separated mangled names of T's destructors (complete, base), if non-trivial
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
