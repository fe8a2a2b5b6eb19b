// The contract between code transformed by the ppp2p LLVM pass and the frame runtime.
//
// The pass emits these structures as IR constants and references the functions by their C
// names, so every layout here is fixed: change one only together with llvm-pass/RuntimeAbi.cpp
// and bump kFrameAbiVersion.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ppp2p {
class Writer;
class Reader;
} // namespace ppp2p

namespace ppp2p::detail {

inline constexpr std::uint32_t kFrameAbiVersion = 6;

/// How a slot's state is kept in a frame record and written into a snapshot.
enum class SlotKind : std::uint32_t {
  /// The value is copied into the record at each site (small trivially copyable values, which
  /// stay in registers everywhere else); the snapshot holds its bytes.
  raw_value = 0,
  /// The record holds the object's address; the snapshot holds its bytes.
  raw_address = 1,
  /// The record holds the object's address; a codec encodes it and constructs it in place.
  codec_address = 2,
  /// A pointer (copied into the record like raw_value) into another slot of the same frame,
  /// SlotDescriptor::related, or into the object that slot refers to: a range-for's range, a
  /// pointer iterator into a local array, a structured binding into its hidden object. The
  /// snapshot holds its offset; restoring relocates it.
  frame_pointer = 3,
  /// An iterator object (the record holds its address) into the container that the
  /// frame_pointer slot `related` points to; moved as its distance from begin().
  iterator = 4,
  /// A reference (copied into the record like raw_value) to the element the iterator slot
  /// `related` designates (a range-for's `auto& x`); recomputed on restore, no bytes.
  element_reference = 5,
  /// A pointer or reference (copied into the record like raw_value) that may point anywhere
  /// into an object a frame of the captured chain holds by address: a local or by-value
  /// parameter of this frame or of a caller, at any offset (a field, an array element). The
  /// snapshot holds (frames up, slot, offset); restoring relocates it to the same object in
  /// the new process. A pointer anywhere else makes the capture fail, naming the variable.
  /// A view (string_view, span) is such a pointer at offset SlotDescriptor::extent of an
  /// object of `size` bytes, whose other bytes move as they are.
  pointer = 6,
};

enum class SiteKind : std::uint32_t {
  /// `ppp2p::checkpoint()`: on resume the call is skipped and returns true.
  checkpoint = 0,
  /// A call of a checkpointable function: on resume it is re-entered in restore mode.
  call = 1,
  /// A virtual call of a checkpointable member function: the record holds the address the
  /// vtable gave (at SiteDescriptor::callee_offset); on resume the function the snapshot names
  /// is re-entered in restore mode (its `this` comes back from its own frame).
  virtual_call = 2,
};

/// Type-erased codec of one C++ type (instantiated from detail::slot_codec<T>).
struct CodecOps {
  void (*save)(const void* object, Writer& out);
  void (*load)(void* storage, Reader& in); // constructs the object in place
  void (*check)(Reader& in);               // decodes and discards: validation before restore
  void (*destroy)(void* object);
};

/// Type-erased codec of an iterator relative to its container
/// (instantiated from detail::iterator_codec<Container, Iterator>).
struct IteratorOps {
  void (*save)(const void* iterator, const void* container, Writer& out);
  void (*load)(void* storage, void* container, Reader& in); // constructs in place
  void (*check)(Reader& in);
  void (*destroy)(void* iterator);
  void* (*element)(void* iterator); // address of the element it designates
};

inline constexpr std::uint32_t kNoRelatedSlot = 0xffffffffu;

struct SlotDescriptor {
  const char* name;      // source name, or "<temporary>"
  const char* type_name; // as written in the source where known
  std::uint32_t kind;    // SlotKind
  std::uint32_t record_offset;
  std::uint64_t size;    // bytes of the object
  const void* ops;       // CodecOps (codec_address) or IteratorOps (iterator), else null
  std::uint32_t related; // see SlotKind; kNoRelatedSlot if none
  /// frame_pointer whose `related` slot is itself a reference (held by value): the size of
  /// the object that reference designates, which the pointer points into.
  std::uint32_t extent;
};

struct SiteDescriptor {
  std::uint32_t kind; // SiteKind
  std::uint32_t line;
  std::uint32_t column;
  std::uint32_t num_live;
  const std::uint32_t* live; // indices into FunctionDescriptor::slots, ascending
  /// SiteKind::call: FunctionDescriptor::id of the callee. SiteKind::virtual_call: the
  /// FunctionDescriptor::signature every function the call may reach has.
  std::uint64_t callee_id;
  std::uint32_t callee_offset; // SiteKind::virtual_call: record offset of the called address
  std::uint32_t reserved;
};

struct FunctionDescriptor {
  std::uint32_t abi_version;
  std::uint32_t num_slots;
  std::uint64_t id;          // 64-bit FNV-1a of the mangled name
  std::uint64_t fingerprint; // of the slot layout and sites; resume refuses a mismatch
  const char* mangled_name;
  const char* display_name; // e.g. "evolve(Problem, Params)"
  const char* return_type;  // typeid(R).name() of the return type ("v" for void)
  const char* file;         // source file of the definition
  const SlotDescriptor* slots;
  std::uint32_t num_sites;
  std::uint32_t record_size;
  const SiteDescriptor* sites;
  /// Re-enters the function in restore mode with dummy arguments; writes the result to
  /// `result` (storage for the return type; unused for void). Null without sites.
  void (*resume)(void* result);
  /// The function itself (what VirtualComputer::spawn is given).
  const void* function;
  /// Hash of the function's type as the IR calls it (a virtual call site checks it).
  std::uint64_t signature;
};

/// A thunk that adjusts `this` and enters the function `target_id` (a vtable of a class with
/// several polymorphic bases holds them): a virtual call through one reaches that function.
/// Registered by every translation unit that defines one.
struct ThunkEntry {
  const void* thunk;
  std::uint64_t target_id; // FunctionDescriptor::id of the function it enters
};

/// The per-call frame record the pass allocates in every checkpointable function with sites.
/// Slot storage follows the header at the offsets in SlotDescriptor::record_offset.
struct FrameRecord {
  FrameRecord* parent;                // the caller's record, or the capture context's root
  const FunctionDescriptor* function; //
  std::uint32_t site;                 // index of the site being executed
  std::uint32_t reserved;
};

struct RestoreState;
struct CaptureContext;

/// Per-thread state read by transformed code. Offsets are part of the ABI.
struct ThreadState {
  /// Set immediately before a site call to the calling frame's record; every checkpointable
  /// function reads it into its record's parent link at entry and clears it.
  FrameRecord* site_caller;
  /// Non-null while a snapshot's frames are being re-entered.
  RestoreState* restoring;
  /// Non-zero when the next `checkpoint()` site must capture.
  std::uint32_t capture_due;
  /// Set when a VT resumed at a site of the library (a receive loop): the program's next
  /// `checkpoint()` takes the capture path (capture_due) and returns true. Runtime only.
  std::uint32_t resume_unreported;
  /// Root record of the active capture context; the outermost captured frame links to it.
  FrameRecord* root;
  CaptureContext* context;
};

static_assert(offsetof(ThreadState, site_caller) == 0);
static_assert(offsetof(ThreadState, restoring) == 8);
static_assert(offsetof(ThreadState, capture_due) == 16);
static_assert(offsetof(ThreadState, root) == 24);
static_assert(sizeof(FrameRecord) == 24);
static_assert(sizeof(SiteDescriptor) == 40 && offsetof(SiteDescriptor, callee_offset) == 32);
static_assert(offsetof(FunctionDescriptor, signature) == 96 && sizeof(FunctionDescriptor) == 104);
static_assert(sizeof(ThunkEntry) == 16);

} // namespace ppp2p::detail

extern "C" {
/// The calling thread's state (initial-exec TLS in the runtime).
extern thread_local constinit ppp2p::detail::ThreadState __ppp2p_thread;

/// Registers the descriptors of one translation unit (called from a module constructor).
void __ppp2p_register(const ppp2p::detail::FunctionDescriptor* const* functions,
                      std::size_t count) noexcept;

/// Called at a `checkpoint()` site when a capture is due; `record` is the calling frame.
/// Returns false (execution continues after the site).
bool __ppp2p_capture(ppp2p::detail::FrameRecord* record);

/// Called at entry of a function in restore mode: decodes the next snapshot frame into
/// `record` (raw values) and the addresses it holds (objects); returns the site to resume at.
std::uint32_t __ppp2p_restore_frame(const ppp2p::detail::FunctionDescriptor* function,
                                    ppp2p::detail::FrameRecord* record);

/// Registers the this-adjusting thunks one translation unit defines (a module constructor).
void __ppp2p_register_thunks(const ppp2p::detail::ThunkEntry* thunks, std::size_t count) noexcept;

/// At a virtual call site re-entered in restore mode: the function the snapshot's next frame
/// runs, which the site calls instead of asking the vtable of an object not restored yet.
const void* __ppp2p_restore_callee();

/// Zeroed memory passed for pointer arguments that cannot be recomputed when a call site is
/// re-entered in restore mode (the callee restores its own state and never reads them).
extern unsigned char __ppp2p_restore_scratch[4096];
}
