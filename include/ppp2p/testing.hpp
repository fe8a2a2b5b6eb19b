// Record and resume helpers for tests and for differential oracles: run a checkpointable
// function capturing at every checkpoint() it executes, and resume any of the snapshots.
#pragma once

#include <ppp2p/detail/capture_session.hpp>
#include <ppp2p/ppp2p.hpp>

#include <functional>
#include <memory>
#include <new>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <variant>
#include <vector>

namespace ppp2p::testing {

/// The return value of `fn` (std::monostate for void) and the snapshots captured, in order.
template <class R> struct Recording {
  std::conditional_t<std::is_void_v<R>, std::monostate, R> result;
  std::vector<Snapshot> snapshots;
};

namespace detail {
template <class R> R resume_in(ppp2p::detail::CaptureSession& session, const Snapshot& snapshot) {
  return ppp2p::detail::resume_as<R>(session, snapshot);
}
} // namespace detail

/// Runs fn(args...) on this thread with a capture due at every checkpoint() it executes, in any
/// nested checkpointable frame; execution continues after each capture.
template <class F, class... A> auto record(F&& fn, A&&... args) {
  using R = std::invoke_result_t<F, A...>;
  Recording<R> out;
  ppp2p::detail::CaptureSession session(ppp2p::detail::CaptureMode::every_checkpoint);
  if constexpr (std::is_void_v<R>) {
    session.enter_root();
    std::invoke(std::forward<F>(fn), std::forward<A>(args)...);
  } else {
    session.enter_root();
    out.result = std::invoke(std::forward<F>(fn), std::forward<A>(args)...);
  }
  out.snapshots = session.take_snapshots();
  return out;
}

/// Resumes `snapshot` in this process and runs it to completion. R must be the return type of
/// the snapshot's root function. Throws ppp2p::snapshot_error if it cannot be resumed here.
template <class R> R resume(const Snapshot& snapshot) {
  ppp2p::detail::CaptureSession session(ppp2p::detail::CaptureMode::never);
  return detail::resume_in<R>(session, snapshot);
}

/// Resumes `snapshot` and records again at every later checkpoint() (a second hop).
template <class R> Recording<R> record_resume(const Snapshot& snapshot) {
  Recording<R> out;
  ppp2p::detail::CaptureSession session(ppp2p::detail::CaptureMode::every_checkpoint);
  if constexpr (std::is_void_v<R>)
    detail::resume_in<R>(session, snapshot);
  else
    out.result = detail::resume_in<R>(session, snapshot);
  out.snapshots = session.take_snapshots();
  return out;
}

/// Stops the VT's current run and resumes it from its newest checkpoint (VirtualThread::
/// checkpoint), or from its start if it has none, as happens when its host dies. It then
/// re-executes what it did since: messages and global operations must not apply twice. False
/// if it had already ended.
template <class R> bool restart(VirtualThread<R>& vt) {
  return ppp2p::detail::restart(ppp2p::detail::VtAccess::core(vt));
}

/// Flips one byte in the middle of the VT's newest checkpoint, as a disk or a network might:
/// a resume from it must fail with an error naming the damage, never start the VT afresh.
/// False if the VT has no checkpoint.
template <class R> bool damage_checkpoint(VirtualThread<R>& vt) {
  return ppp2p::detail::damage_checkpoint(ppp2p::detail::VtAccess::core(vt));
}

/// Flips one byte in the middle of the next checkpoint of the VT that reaches the client, as a
/// faulty worker or link might: the client must ignore it (keeping the previous one) rather
/// than store it.
template <class R> void damage_next_checkpoint(VirtualThread<R>& vt) {
  ppp2p::detail::damage_next_checkpoint(ppp2p::detail::VtAccess::core(vt));
}

/// Checkpoints of the VT that arrived damaged and were ignored.
template <class R> unsigned damaged_checkpoints(VirtualThread<R>& vt) {
  return ppp2p::detail::damaged_checkpoints(ppp2p::detail::VtAccess::core(vt));
}

} // namespace ppp2p::testing
