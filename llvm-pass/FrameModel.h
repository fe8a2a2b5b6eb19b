//===- FrameModel.h - What the pass knows about one function --------------===//
//
// Built by the analyses (SlotCollector, SiteLiveness, ValuesAcrossSites), consumed by the
// rewriting (FrameRewriter) and descriptor emission (DescriptorEmitter).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "RuntimeAbi.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/InstrTypes.h"

#include <string>
#include <vector>

namespace ppp2p::pass {

/// A virtual call site as the plugin saw it: the lines the call spans, the vtable slot.
struct VirtualCall {
  unsigned firstLine = 0, lastLine = 0, slot = 0;
};

/// A checkpointable function, from its `ppp2p.fn` annotation.
struct FunctionInfo {
  llvm::Function* function = nullptr;
  std::string displayName;
  std::string returnType;    // typeid name
  llvm::StringSet<> callees; // mangled names of checkpointable callees
  llvm::SmallVector<VirtualCall, 2> virtualCalls;
  /// Codecs (save, load, check, destroy) of the function's temporaries with destructors, by
  /// the mangled names of their destructors.
  llvm::StringMap<llvm::SmallVector<llvm::Function*, 4>> temporaryCodecs;
  /// A non-static member function: `this` (of type thisType) moves as a relocated pointer.
  bool hasThis = false;
  std::string thisType;
};

struct Slot {
  std::string name;
  std::string typeName;
  SlotKind kind = SlotKind::RawValue;
  llvm::Value* storage = nullptr; // alloca, or argument (indirect/byval parameters)
  std::uint64_t size = 0;
  llvm::Align align;
  bool isParam = false;
  bool isTemporary = false; // not a source variable: a value of an expression
  bool liveAnywhere = true; // the plugin's verdict (live across at least one site)
  /// Codec functions (save, load, check, destroy; and element, for iterators), as the plugin
  /// passed them in the annotation's arguments.
  llvm::SmallVector<llvm::Function*, 5> codec;
  bool hasDestructor = false; // a class with a non-trivial destructor
  unsigned recordOffset = 0;
  // Range-for support (SlotKind::FramePointer, Iterator, ElementReference): the related slot,
  // by the plugin's id until resolved to an index. `element` is the iterator's element function.
  int id = -1;
  std::string relatedId; // a plugin id, or "temporary" (resolved through the IR)
  unsigned related = kNoRelatedSlot;
  bool addressed = false; // something points into it: keep it by address
  // Where a relocated pointer (SlotKind::Pointer) may hold its address (PointerTargets.h).
  bool escapes = false;
  llvm::SmallVector<const llvm::CallBase*, 2> passedToSites;
  std::uint32_t extent = 0; // frame pointers into what a reference slot designates
  // A variable the plugin found unmovable but dead at every site: checked again on the IR.
  bool refused = false;
  bool recheck = false; // check `refused` on the IR (a scalar, whose AST liveness is weak)
  std::string refusedReason, refusedHint;
  unsigned declLine = 0, declColumn = 0;
};

struct Site {
  llvm::CallBase* call = nullptr;
  SiteKind kind = SiteKind::Checkpoint;
  llvm::Function* callee = nullptr; // SiteKind::Call
  unsigned vtableSlot = 0;          // SiteKind::VirtualCall
  std::vector<unsigned> liveSlots;  // indices into FrameModel::slots, ascending
  unsigned line = 0, column = 0;
};

struct FrameModel {
  FunctionInfo info;
  std::vector<Slot> slots;
  std::vector<Site> sites;
  unsigned recordSize = kRecordHeaderSize;
  /// Where the record holds the address a virtual call site called (0: no such site).
  unsigned calleeOffset = 0;
};

} // namespace ppp2p::pass
