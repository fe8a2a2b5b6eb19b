//===- FunctionAnnotator.h - Analyse one checkpointable function ----------===//
//
// For each checkpointable function: find its sites, decide which locals are live across them,
// refuse (with an error at the variable and a note at the site) what cannot move, instantiate
// codecs for the rest, and record all of it in annotations for the pass (AnnotationFormat.h).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "CodecInstantiator.h"
#include "LiveAcrossSites.h"
#include "SiteFinder.h"
#include "TypeClassifier.h"

#include "clang/Sema/Sema.h"
#include "llvm/ADT/DenseSet.h"

namespace ppp2p::plugin {

class FunctionAnnotator {
public:
  explicit FunctionAnnotator(clang::Sema& sema);

  /// Analyses and annotates `fn` if it is a checkpointable definition not seen before; warns
  /// about ppp2p::checkpoint() calls if it is any other definition.
  void handle(clang::FunctionDecl& fn);

  /// What ClassCodecDefiner shares: one classification cache and one set of instantiations.
  CodecInstantiator& codecs() { return codecs_; }
  TypeClassifier& classifier() { return classifier_; }

private:
  void annotateCheckpointable(clang::FunctionDecl& fn);
  void warnStrayCheckpoints(const clang::FunctionDecl& fn);
  bool refuseShape(const clang::FunctionDecl& fn);
  /// What a variable is to the range-for loops of the function being annotated.
  enum class RangeRole { Range, Begin, End, Element };
  struct RangeVar {
    RangeRole role;
    const RangeFor* loop;
  };
  /// The function being annotated: ids of its locals, range-for roles, targets of ranges.
  struct FrameContext {
    std::vector<RangeFor> loops;
    llvm::DenseMap<const clang::VarDecl*, unsigned> ids;
    llvm::DenseMap<const clang::VarDecl*, RangeVar> rangeVars;
    llvm::DenseSet<const clang::VarDecl*> addressed;
    llvm::DenseSet<const clang::CXXForRangeStmt*> reported;
    /// Holding variables of tuple-like structured bindings, to their hidden object.
    llvm::DenseMap<const clang::VarDecl*, const clang::DecompositionDecl*> holders;
  };

  /// A range-for's implicit variable or reference loop variable: relocated (the range), moved
  /// as a distance (iterators), or recomputed (the element). Returns false if it cannot move
  /// (reported once per loop when `site`, where the AST finds it live, is given).
  bool annotateRangeVar(const clang::VarDecl& var, const RangeVar& range,
                        const clang::CallExpr* site,
                        std::vector<std::pair<llvm::StringRef, std::string>>& fields,
                        std::vector<clang::Expr*>& args);

  /// Instantiates the codec of `var`'s type (built from its layout if `fieldwise`) and appends
  /// its functions; reports the variable and returns false if it cannot.
  bool addSlotCodec(const clang::VarDecl& var, bool fieldwise, std::vector<clang::Expr*>& args);

  /// Appends `&function` for each codec function to an annotation's arguments.
  void addFunctions(const CodecFunctions& functions, clang::SourceLocation where,
                    std::vector<clang::Expr*>& args);

  /// Adds the fields of one variable of a function with sites; reports it if it cannot move
  /// and is live across a site (returns false then).
  bool annotateSlot(const clang::FunctionDecl& fn, const clang::VarDecl& var,
                    const LiveAcrossSites& live, llvm::ArrayRef<Site> sites,
                    std::vector<std::pair<llvm::StringRef, std::string>>& fields,
                    std::vector<clang::Expr*>& args);
  std::string displayName(const clang::FunctionDecl& fn);
  /// The type of `this` ("Graph *"), or empty for a function that has none.
  std::string thisType(const clang::FunctionDecl& fn);
  std::string typeName(clang::QualType type);

  clang::Sema& sema_;
  CodecInstantiator codecs_;
  TypeClassifier classifier_;
  llvm::DenseSet<const clang::FunctionDecl*> seen_;
  FrameContext frame_;
};

} // namespace ppp2p::plugin
