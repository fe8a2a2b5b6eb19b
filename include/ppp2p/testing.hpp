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

/// Declares the arguments given to record() as the root's, as a VT's entry does with those it
/// holds, where the root takes some by reference (not an object given by address).
template <class F, class... A> void declare_root_arguments(const A&... args) {
  using Signature = ppp2p::detail::root_signature<std::remove_cvref_t<F>>;
  if constexpr (Signature::by_reference && !(std::is_pointer_v<A> || ...))
    ppp2p::detail::set_root_arguments(Signature::arguments(args...));
}

/// For a resume: copies of the arguments, those the root may change replaced by their state
/// in the snapshot, declared as the root's; they must outlive the resume.
template <class F, class... A> struct ResumedArguments {
  std::tuple<A...> values;
  ResumedArguments(const Snapshot& snapshot, const A&... args) : values(args...) {
    using Signature = ppp2p::detail::root_signature<std::remove_cvref_t<F>>;
    if constexpr (Signature::by_reference && !(std::is_pointer_v<A> || ...))
      ppp2p::detail::hold_root_arguments<Signature>(values, &snapshot);
  }
};

template <class R>
Recording<R> record_resumed(ppp2p::detail::CaptureSession& session, const Snapshot& snapshot) {
  if constexpr (std::is_void_v<R>) {
    resume_in<R>(session, snapshot);
    return Recording<R>{{}, session.take_snapshots()};
  } else {
    return Recording<R>{resume_in<R>(session, snapshot), session.take_snapshots()};
  }
}
} // namespace detail

/// Runs fn(args...) on this thread with a capture due at every checkpoint() it executes, in any
/// nested checkpointable frame; execution continues after each capture.
template <class F, class... A> auto record(F&& fn, A&&... args) {
  using R = std::invoke_result_t<F, A...>;
  ppp2p::detail::CaptureSession session(ppp2p::detail::CaptureMode::every_checkpoint);
  detail::declare_root_arguments<F>(args...);
  session.enter_root();
  // Braced initialisation runs left to right: the function, then the snapshots it took. R
  // needs no default constructor.
  if constexpr (std::is_void_v<R>) {
    std::invoke(std::forward<F>(fn), std::forward<A>(args)...);
    return Recording<R>{{}, session.take_snapshots()};
  } else {
    return Recording<R>{std::invoke(std::forward<F>(fn), std::forward<A>(args)...),
                        session.take_snapshots()};
  }
}

/// Resumes `snapshot` in this process and runs it to completion. R must be the return type of
/// the snapshot's root function. Throws ppp2p::snapshot_error if it cannot be resumed here.
/// A root taking parameters by reference is resumed with `fn, args...` (fn only for its type),
/// args equal to those given to record(): its restored pointers into them point into these.
template <class R> R resume(const Snapshot& snapshot) {
  ppp2p::detail::CaptureSession session(ppp2p::detail::CaptureMode::never);
  return detail::resume_in<R>(session, snapshot);
}
template <class R, class F, class... A>
R resume(const Snapshot& snapshot, const F&, const A&... args) {
  ppp2p::detail::CaptureSession session(ppp2p::detail::CaptureMode::never);
  detail::ResumedArguments<F, A...> held(snapshot, args...);
  return detail::resume_in<R>(session, snapshot);
}

/// Resumes `snapshot` and records again at every later checkpoint() (a second hop); `fn` and
/// `args` as for resume().
template <class R> Recording<R> record_resume(const Snapshot& snapshot) {
  ppp2p::detail::CaptureSession session(ppp2p::detail::CaptureMode::every_checkpoint);
  return detail::record_resumed<R>(session, snapshot);
}
template <class R, class F, class... A>
Recording<R> record_resume(const Snapshot& snapshot, const F&, const A&... args) {
  ppp2p::detail::CaptureSession session(ppp2p::detail::CaptureMode::every_checkpoint);
  detail::ResumedArguments<F, A...> held(snapshot, args...);
  return detail::record_resumed<R>(session, snapshot);
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
