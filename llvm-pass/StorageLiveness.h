//===- StorageLiveness.h - Is a slot's storage live at a site? ------------===//
//
// Read-only queries over the instructions that touch one piece of storage (an alloca or a
// pointer argument) through any pointer derived from it. Valid until the function changes.
//
//   usedAfter     some path from the site reads the storage before overwriting it whole;
//   holdsValueAt  some path to the site writes or reads the storage after its last
//                 destruction or lifetime marker (for objects with destructors, C++ scoping
//                 makes "some path" mean "every path": the object is constructed there).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/InstrTypes.h"

namespace ppp2p::pass {

enum class Touch : unsigned char {
  None,
  Read,     // reads (or may read) the value
  Escape,   // its address is stored somewhere: a later read may happen through it
  Write,    // writes part of it
  Kill,     // overwrites it whole: the old value is dead, a new one is there
  Destroy,  // a destructor call on it: reads, then the object is gone
  Lifetime, // llvm.lifetime.start/end: no value before/after
};

class StorageLiveness {
public:
  /// `destructors`: mangled destructor names of the storage's type; if empty, any call of a
  /// destructor (recognised by its mangled name) on the base counts. For a compiler
  /// `temporary`, writes to parts count as overwriting it whole: the compiler initialises
  /// temporaries field by field, never updates an old value.
  StorageLiveness(llvm::Value* storage, const llvm::StringSet<>& destructors,
                  bool temporary = false);

  bool usedAfter(const llvm::Instruction* site) const;
  bool holdsValueAt(const llvm::Instruction* site) const;

  /// True if a destructor call on the storage exists anywhere.
  bool hasDestructorCall() const { return hasDestructor_; }
  /// The callee of the first destructor call found (for messages), or null.
  const llvm::Function* destructor() const { return destructor_; }

  Touch touch(const llvm::Instruction* instruction) const;

private:
  void classifyUses();

  llvm::Value* storage_;
  const llvm::StringSet<>& destructors_;
  bool temporary_;
  std::uint64_t size_ = 0;
  llvm::DenseMap<const llvm::Instruction*, Touch> touches_;
  llvm::SmallPtrSet<const llvm::BasicBlock*, 16> touchedBlocks_;
  bool hasDestructor_ = false;
  const llvm::Function* destructor_ = nullptr;
};

/// True if `name` is the mangled name of a C++ constructor (Itanium).
bool isConstructorName(llvm::StringRef name);
/// True if `name` is the mangled name of a C++ destructor (Itanium).
bool isDestructorName(llvm::StringRef name);

} // namespace ppp2p::pass
