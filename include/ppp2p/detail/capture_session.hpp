// A capture context on the calling thread: where captured snapshots go, and how a snapshot is
// re-entered. Used by ppp2p::testing and by executors.
#pragma once

#include <ppp2p/snapshot.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <new>
#include <type_traits>
#include <typeinfo>
#include <vector>

namespace ppp2p {
class Writer;
}

namespace ppp2p::detail {

struct ThreadState;

/// An argument of the root function as the VT entry holds it (decoded from the spawn's
/// arguments, again before every resume): what the root's reference parameters point into.
struct RootArgument {
  const void* object;
  std::size_t bytes;
  void (*save)(const void* object, Writer& out); // its codec: where its heap regions are
  /// The root may change it (a non-const reference parameter, a non-const member's object):
  /// a capture keeps its state in the snapshot.
  bool changes = false;
};

/// Declares the root arguments of the chain about to run or resume on this thread, in the
/// active capture context (the VT entry calls it before entering or resuming the root).
void set_root_arguments(std::vector<RootArgument> arguments);

/// The root's arguments as a capture found them (their encodings, in order; empty if the
/// capture had none declared). Throws ppp2p::snapshot_error for a damaged snapshot.
std::vector<std::byte> snapshot_root_arguments(const Snapshot& snapshot);

/// Thrown at the next checkpoint() of a session whose stop was requested; unwinds the task.
/// Not a std::exception, so that `catch (const std::exception&)` in task code lets it pass.
struct vt_cancelled {};

enum class CaptureMode : std::uint8_t {
  never,            // resume only: no site captures
  every_checkpoint, // every executed checkpoint() site captures
  on_request,       // the next site after request_capture() captures (executors)
};

/// Installs a capture context on this thread for its lifetime (nesting restores the outer one).
class CaptureSession {
public:
  explicit CaptureSession(CaptureMode mode);
  ~CaptureSession();
  CaptureSession(const CaptureSession&) = delete;
  CaptureSession& operator=(const CaptureSession&) = delete;

  /// Makes the next checkpointable function entered on this thread the root of captured
  /// chains. Call immediately before calling it.
  void enter_root() noexcept;

  /// Validates `snapshot` against this program (functions, layouts, result type, every slot's
  /// bytes), then re-enters its chain and runs it to completion, writing the root's result to
  /// `result` (storage for a value of the root's return type; null for void).
  /// Throws ppp2p::snapshot_error before anything runs if the snapshot cannot be resumed here.
  void resume(const Snapshot& snapshot, const char* result_type, void* result);

  /// Snapshots captured so far, in order.
  std::vector<Snapshot> take_snapshots();

  /// From now on each capture is handed to `sink` (on the capturing thread, inside the site)
  /// instead of being kept for take_snapshots().
  void set_sink(std::function<void(Snapshot&&)> sink);

  /// From any thread: the next checkpoint() on the session's thread throws vt_cancelled.
  void request_cancel() noexcept;

  /// From any thread (on_request sessions): the next site on the session's thread at which the
  /// whole chain can be captured captures it, once.
  void request_capture() noexcept;

  /// Captures that could not be taken because a non-checkpointable function sat between the
  /// root and the site.
  std::uint64_t skipped_captures() const noexcept;

private:
  struct Saved;
  Saved* saved_;
  struct Impl;
  Impl* impl_;
};

/// Resumes `snapshot` in `session` and returns the root's result. R must be the return type of
/// the snapshot's root function (checked: ppp2p::snapshot_error otherwise).
template <class R> R resume_as(CaptureSession& session, const Snapshot& snapshot) {
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

} // namespace ppp2p::detail
