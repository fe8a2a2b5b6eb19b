#include "capture_context.hpp"
#include "frame_encoding.hpp"
#include "snapshot_format.hpp"

#include <ppp2p/detail/capture_session.hpp>
#include <ppp2p/detail/frame_abi.hpp>
#include <ppp2p/errors.hpp>

#include <atomic>
#include <stdexcept>

namespace ppp2p::detail {

struct CaptureSession::Saved {
  ThreadState state;
};

struct CaptureSession::Impl {
  CaptureContext context;
};

CaptureSession::CaptureSession(CaptureMode mode)
    : saved_(new Saved{__ppp2p_thread}), impl_(new Impl) {
  impl_->context.mode = mode;
  ThreadState& thread = __ppp2p_thread;
  thread.site_caller = nullptr;
  thread.restoring = nullptr;
  thread.capture_due = mode == CaptureMode::every_checkpoint ? 1 : 0;
  thread.root = &impl_->context.root;
  thread.context = &impl_->context;
  impl_->context.thread = &thread;
}

void CaptureSession::request_cancel() noexcept {
  impl_->context.cancel.store(true);
  // Read by transformed code with a relaxed atomic load at every checkpoint() site: the store from
  // this thread is seen at one of the next sites.
  std::atomic_ref<std::uint32_t>(impl_->context.thread->capture_due).store(1);
}

void CaptureSession::request_capture() noexcept {
  impl_->context.capture_requested.store(true);
  std::atomic_ref<std::uint32_t>(impl_->context.thread->capture_due).store(1);
}

CaptureSession::~CaptureSession() {
  __ppp2p_thread = saved_->state;
  delete impl_;
  delete saved_;
}

void set_root_arguments(std::vector<RootArgument> arguments) {
  if (CaptureContext* context = __ppp2p_thread.context)
    context->root_arguments = std::move(arguments);
}

std::vector<std::byte> snapshot_root_arguments(const Snapshot& snapshot) {
  SnapshotContents contents = decode_snapshot(snapshot.bytes());
  return {contents.root_arguments.begin(), contents.root_arguments.end()};
}

void CaptureSession::enter_root() noexcept {
  __ppp2p_thread.site_caller = __ppp2p_thread.root;
}

void CaptureSession::resume(const Snapshot& snapshot, const char* result_type, void* result) {
  SnapshotContents contents = decode_snapshot(snapshot.bytes());
  RestoreState state = plan_restore(contents, result_type, &impl_->context.root_arguments);
  ThreadState& thread = __ppp2p_thread;
  thread.restoring = &state;
  thread.site_caller = thread.root;
  try {
    state.frames.front().function->resume(result);
  } catch (...) {
    thread.restoring = nullptr;
    thread.site_caller = nullptr;
    throw;
  }
  if (thread.restoring) {
    // The chain returned without re-entering every frame: the program does not match the
    // snapshot although its descriptors did. Never continue silently.
    thread.restoring = nullptr;
    throw snapshot_error(errc::layout_mismatch, "the resumed chain returned after re-entering " +
                                                    std::to_string(state.next) + " of " +
                                                    std::to_string(state.frames.size()) +
                                                    " frames");
  }
}

std::vector<Snapshot> CaptureSession::take_snapshots() {
  return std::move(impl_->context.snapshots);
}

void CaptureSession::set_sink(std::function<void(Snapshot&&)> sink) {
  impl_->context.sink = std::move(sink);
}

std::uint64_t CaptureSession::skipped_captures() const noexcept {
  return impl_->context.skipped;
}

} // namespace ppp2p::detail
