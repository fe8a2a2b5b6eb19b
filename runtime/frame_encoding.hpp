// Capture: a chain of live frame records -> snapshot bytes.
// Restore planning: snapshot bytes -> a validated list of frames to re-enter.
#pragma once

#include "snapshot_format.hpp"

#include <ppp2p/detail/capture_session.hpp>
#include <ppp2p/detail/frame_abi.hpp>
#include <ppp2p/detail/heap_regions.hpp>
#include <ppp2p/detail/tracked_session.hpp>
#include <ppp2p/snapshot.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace ppp2p::detail {

/// Encodes the frames from `innermost` up to, not including, `root`, root first.
/// Returns nothing when the parent links do not reach `root` (a frame of a function the plugin
/// did not transform sits in between, so the chain cannot be resumed).
/// `arguments`: the root's arguments, which its reference parameters may point into.
std::optional<Snapshot> capture_chain(const FrameRecord* innermost, const FrameRecord* root,
                                      const std::vector<RootArgument>& arguments);

struct RestoreFrame {
  const FunctionDescriptor* function;
  std::uint32_t site;
  const std::byte* payload; // start of this frame's slot bytes
  const std::byte* end;     // end of this frame's slot bytes
  /// The bytes of each codec slot (slot index, first byte, end): what pointers into the heap
  /// memory of its object are checked against.
  struct ObjectBytes {
    std::uint32_t slot;
    const std::byte* begin;
    const std::byte* end;
  };
  std::vector<ObjectBytes> objects;
};

using SlotKey = std::pair<std::size_t, std::uint32_t>; // (frame, root first; slot)

/// Heap regions of objects that pointers point into, by (frame, slot), collected once per
/// object when a pointer needs them: by encoding the object again (or decoding its bytes) the
/// way the snapshot did, which knew the objects slots before it had met (`watermarks`, in
/// `session`: those it writes as their numbers).
struct HeapRegionCache {
  std::map<SlotKey, std::vector<HeapRegion>> regions;
  std::map<SlotKey, std::size_t> watermarks;
  const TrackedObjects* session = nullptr;
};

struct RestoreState {
  std::vector<RestoreFrame> frames;
  std::size_t next = 0;
  /// The records of the frames re-entered so far, root first: what pointers relocate into.
  std::vector<FrameRecord*> records;
  /// The root's arguments (set_root_arguments), or null where they are not known (describe()).
  const std::vector<RootArgument>* arguments = nullptr;
  /// Heap regions of restored objects that pointers point into, by (frame, slot).
  HeapRegionCache heap_regions;
  /// The objects the restored frames met through pointers, one session for all of them.
  std::unique_ptr<TrackedObjects> tracked;
};

/// Whether a slot is written after the frame's other slots (pointer slots: everything they may
/// point into is known by then).
inline bool written_last(const SlotDescriptor& slot) {
  return SlotKind(slot.kind) == SlotKind::pointer;
}

/// Checks that this program can resume `contents`: every function known with the same layout,
/// a proper chain of call sites ending at a checkpoint() site, the root's result type equal to
/// `result_type`, and every slot's bytes decoding exactly; pointers into the root's
/// `arguments` against them (only their form if null). Throws ppp2p::snapshot_error.
RestoreState plan_restore(const SnapshotContents& contents, const char* result_type,
                          const std::vector<RootArgument>* arguments = nullptr);

} // namespace ppp2p::detail
