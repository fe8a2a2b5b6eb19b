// Capture: a chain of live frame records -> snapshot bytes.
// Restore planning: snapshot bytes -> a validated list of frames to re-enter.
#pragma once

#include "snapshot_format.hpp"

#include <ppp2p/detail/frame_abi.hpp>
#include <ppp2p/snapshot.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace ppp2p::detail {

/// Encodes the frames from `innermost` up to, not including, `root`, root first.
/// Returns nothing when the parent links do not reach `root` (a frame of a function the plugin
/// did not transform sits in between, so the chain cannot be resumed).
std::optional<Snapshot> capture_chain(const FrameRecord* innermost, const FrameRecord* root);

struct RestoreFrame {
  const FunctionDescriptor* function;
  std::uint32_t site;
  const std::byte* payload; // start of this frame's slot bytes
  const std::byte* end;     // end of this frame's slot bytes
};

struct RestoreState {
  std::vector<RestoreFrame> frames;
  std::size_t next = 0;
  /// The records of the frames re-entered so far, root first: what pointers relocate into.
  std::vector<FrameRecord*> records;
};

/// How a SlotKind::pointer is written: a tag, then for `into_frame` the number of frames up
/// from the pointer's own (0: its own), the target's slot index and the offset into it; for
/// `into_constant` the module's build id (length, bytes) and the offset from its load address.
enum class PointerTag : std::uint8_t { null = 0, into_frame = 1, into_constant = 2 };

/// Reads what follows an `into_constant` tag: the address in this process, or a snapshot_error
/// (through `in`) if no loaded module has that build id and read-only memory at that offset.
const void* read_constant_pointer(Reader& in);

/// Checks that this program can resume `contents`: every function known with the same layout,
/// a proper chain of call sites ending at a checkpoint() site, the root's result type equal to
/// `result_type`, and every slot's bytes decoding exactly. Throws ppp2p::snapshot_error.
RestoreState plan_restore(const SnapshotContents& contents, const char* result_type);

} // namespace ppp2p::detail
