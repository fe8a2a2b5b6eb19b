//===- RuntimeAbi.h - IR view of include/ppp2p/detail/frame_abi.hpp -------===//
//
// Types, globals and functions of the frame runtime as the pass sees them. Layouts must match
// frame_abi.hpp exactly (the runtime static_asserts the offsets used here).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"

#include <cstdint>

namespace ppp2p::pass {

inline constexpr std::uint32_t kFrameAbiVersion = 6;

// FrameRecord header: parent, function, site, reserved.
inline constexpr unsigned kRecordParentOffset = 0;
inline constexpr unsigned kRecordFunctionOffset = 8;
inline constexpr unsigned kRecordSiteOffset = 16;
inline constexpr unsigned kRecordHeaderSize = 24;

// ThreadState fields.
inline constexpr unsigned kThreadSiteCallerOffset = 0;
inline constexpr unsigned kThreadRestoringOffset = 8;
inline constexpr unsigned kThreadCaptureDueOffset = 16;
inline constexpr unsigned kThreadRootOffset = 24;

enum class SlotKind : std::uint32_t {
  RawValue = 0,
  RawAddress = 1,
  CodecAddress = 2,
  FramePointer = 3,     // held by value in the record, like RawValue
  Iterator = 4,         // held by address
  ElementReference = 5, // held by value in the record, like RawValue
  Pointer = 6,          // held by value; relocated by the runtime into the captured frames
};

/// Slots whose value is copied into the frame record (rather than their address).
inline bool heldByValue(SlotKind kind) {
  return kind == SlotKind::RawValue || kind == SlotKind::FramePointer ||
         kind == SlotKind::ElementReference || kind == SlotKind::Pointer;
}

inline constexpr std::uint32_t kNoRelatedSlot = 0xffffffffu;
enum class SiteKind : std::uint32_t { Checkpoint = 0, Call = 1, VirtualCall = 2 };

inline constexpr llvm::StringLiteral kCheckpointSymbol = "_ZN5ppp2p10checkpointEv";

class RuntimeAbi {
public:
  explicit RuntimeAbi(llvm::Module& module);

  llvm::Module& module() { return module_; }

  /// Address of this thread's ThreadState (through llvm.threadlocal.address).
  llvm::Value* threadState(llvm::IRBuilder<>& builder);
  /// Address of a field of the thread state at `offset`.
  llvm::Value* threadField(llvm::IRBuilder<>& builder, unsigned offset);

  llvm::FunctionCallee capture();           // i1 (ptr record)
  llvm::FunctionCallee restoreFrame();      // i32 (ptr descriptor, ptr record)
  llvm::FunctionCallee registerFunctions(); // void (ptr array, i64 count)
  llvm::FunctionCallee restoreCallee();     // ptr ()
  llvm::FunctionCallee registerThunks();    // void (ptr array, i64 count)
  llvm::GlobalVariable* restoreScratch();
  static constexpr unsigned kRestoreScratchSize = 4096;

  // Descriptor types (see frame_abi.hpp).
  llvm::StructType* codecOpsType();       // {ptr, ptr, ptr, ptr}
  llvm::StructType* iteratorOpsType();    // {ptr, ptr, ptr, ptr, ptr}
  llvm::StructType* slotDescriptorType(); // {ptr, ptr, i32, i32, i64, ptr, i32, i32}
  llvm::StructType* siteDescriptorType(); // {i32, i32, i32, i32, ptr, i64, i32, i32}
  llvm::StructType* functionDescriptorType();
  // {i32, i32, i64, i64, ptr, ptr, ptr, ptr, ptr, i32, i32, ptr, ptr, ptr, i64}
  llvm::StructType* thunkEntryType(); // {ptr, i64}

private:
  llvm::Module& module_;
  llvm::GlobalVariable* thread_ = nullptr;
};

/// 64-bit FNV-1a, the function id of a mangled name.
std::uint64_t fnv1a(llvm::StringRef text, std::uint64_t seed = 0xcbf29ce484222325ULL);

} // namespace ppp2p::pass
