// The state behind ThreadState::context: where the captures of a CaptureSession go.
#pragma once

#include <ppp2p/detail/capture_session.hpp>
#include <ppp2p/detail/frame_abi.hpp>
#include <ppp2p/snapshot.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

namespace ppp2p::detail {

struct CaptureContext {
  CaptureMode mode = CaptureMode::never;
  /// Sentinel parent of the outermost captured frame.
  FrameRecord root{};
  std::vector<Snapshot> snapshots;
  std::function<void(Snapshot&&)> sink;       // if set, captures go here instead
  std::atomic<bool> cancel{false};            // the next checkpoint() throws vt_cancelled
  std::atomic<bool> capture_requested{false}; // on_request: the next capturable site captures
  ThreadState* thread = nullptr;              // the session's thread
  std::uint64_t skipped = 0;
  /// The root's arguments, where the VT entry holds them (set_root_arguments).
  std::vector<RootArgument> root_arguments;
};

} // namespace ppp2p::detail
