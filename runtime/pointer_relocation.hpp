// SlotKind::pointer: a pointer or reference live across a site, captured as where it points
// and relocated to the same place in the resumed process. Where, in the order tried:
//   into_frame     an object a frame of the chain holds by address (its own or a caller's
//                  local or by-value parameter): frames up, slot, offset;
//   into_heap      heap memory such an object owns (a vector's elements, a unique_ptr's
//                  object, a map's node, ...): frames up, slot, the region's ordinal among
//                  those its codec meets (heap_regions.hpp), offset;
//   into_constant  read-only memory of a loaded module (a string literal, a const global, a
//                  function): the module's build id and the offset from its load address;
//   tracked        a raw pointer to a class object pointing nowhere above: the objects it
//                  reaches (a tree of `new`ed nodes), by its codec (tracked_pointers.hpp).
// A pointer anywhere else fails the capture, naming the variable. Each frame writes its pointer
// slots after all its other slots, so every object they may point into is known by then, on
// both sides.
#pragma once

#include "frame_encoding.hpp"

#include <ppp2p/codec.hpp>
#include <ppp2p/detail/frame_abi.hpp>
#include <ppp2p/detail/heap_regions.hpp>
#include <ppp2p/errors.hpp>

#include <cstdint>
#include <vector>

namespace ppp2p::detail {

enum class PointerTag : std::uint8_t {
  null = 0,
  into_frame = 1,
  into_constant = 2,
  into_heap = 3,
  into_argument = 4,      // the root's argument #index (the VT entry holds it), offset
  into_argument_heap = 5, // heap memory it owns: index, region, offset
  tracked = 6,            // a raw pointer to a class object: what it reaches, by the slot's codec
};

/// A pointer slot that moves the objects it reaches where it points nowhere else: a raw
/// pointer to a class object (its `ops` are slot_codec<T*>, tracked_pointers.hpp). One moved
/// so is a heap region source for the pointers written after it, like a codec slot.
inline bool tracks_objects(const SlotDescriptor& slot) {
  return SlotKind(slot.kind) == SlotKind::pointer && slot.ops != nullptr;
}

/// `e` from encoding `slot` of `f` at `site`, with the same code, naming the variable first.
error slot_error(const error& e, const FunctionDescriptor& f, std::uint32_t site,
                 const SlotDescriptor& slot);

/// Writes pointer slot `slot` of frame `index` of `chain` (root first). Throws
/// ppp2p::error(capture_failed) naming the variable if it points nowhere a snapshot can hold.
void save_pointer(const std::vector<const FrameRecord*>& chain,
                  const std::vector<RootArgument>& arguments, std::size_t index,
                  const SlotDescriptor& slot, HeapRegionCache& regions, Writer& out);

/// Checks the bytes of a pointer slot of `plan.frames[index]`, against that frame and those
/// before it (their objects' bytes are known), and the root's arguments if the plan has them:
/// throws snapshot_error through `in`.
void check_pointer(const RestoreState& plan, std::size_t index, const SlotDescriptor& pointer,
                   HeapRegionCache& regions, Reader& in);

/// Reads pointer slot `slot` of the frame being re-entered (state.records.back()), whose
/// objects, and those of every frame before it, are built, into its record `field`.
void restore_pointer(RestoreState& state, const SlotDescriptor& slot, std::byte* field, Reader& in);

} // namespace ppp2p::detail
