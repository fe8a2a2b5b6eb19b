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
  if constexpr (std::is_void_v<R>) {
    session.resume(snapshot, typeid(void).name(), nullptr);
  } else {
    struct Storage {
      alignas(R) unsigned char bytes[sizeof(R)];
    };
    auto storage = std::make_unique<Storage>(); // large results stay off the stack
    session.resume(snapshot, typeid(R).name(), storage->bytes);
    R* value = std::launder(reinterpret_cast<R*>(storage->bytes));
    R result = std::move(*value);
    value->~R();
    return result;
  }
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

} // namespace ppp2p::testing
