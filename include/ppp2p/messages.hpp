// Buffered messages between virtual threads, and global variables with synchronized access,
// both scoped to one virtual computer and location-transparent (paper, section 2.2).
//
//   ppp2p::send((ppp2p::self() + 1) % n, token);        // buffered, ordered per pair
//   Token t = ppp2p::receive<Token>();                   // from anyone; a site
//   auto best = ppp2p::global<double>("best");
//   best.update([&](double& b) { b = std::min(b, mine); });  // atomic read-modify-write
//
// Every operation happens exactly once, also when a VT is resumed from an older checkpoint and
// executes it again (see messages.fbs). For that a VT must re-execute deterministically from its
// checkpoints: the same messages and global values in, the same operations out (keep random
// generators in the VT's state, not seeded from time).
#pragma once

#include <ppp2p/checkpoint.hpp>
#include <ppp2p/codec.hpp>
#include <ppp2p/errors.hpp>
#include <ppp2p/vt.hpp>

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

// The receive loops below are checkpointable (sites) when the plugin compiles them.
#ifdef __PPP2P_PLUGIN__
#define PPP2P_DETAIL_CHECKPOINTABLE [[ppp2p::checkpointable]]
#else
#define PPP2P_DETAIL_CHECKPOINTABLE
#endif

namespace ppp2p {

/// The address of the client that created the virtual computer: VTs send to it, and it
/// receives with VirtualComputer::receive. It is never a VT's id.
inline constexpr VtId client = std::numeric_limits<VtId>::max();

namespace detail {

using Bytes = std::vector<std::byte>;
inline constexpr VtId any_sender = client - 1;

class VcCore;

/// A global's value as the owner holds it: `set` is false until the first write.
struct GlobalValue {
  bool set = false;
  Bytes bytes;
};

/// An update in progress: the value it saw; `replay` if it was applied before (the VT is
/// re-executing), then nothing is committed.
struct GlobalLease {
  std::uint64_t effect = 0;
  bool replay = false;
  GlobalValue value;
};

/// A site inside the library (a wait loop) returned true: the VT resumed there. The next
/// checkpoint() of the program returns true instead, as if it had resumed there.
void note_resumed() noexcept;

// Inside a VT (ppp2p::error not_in_vt elsewhere).
/// Sends `value` (and empties it); false, leaving it, if the VT's send window stayed full until
/// a capture or cancel became due.
bool vt_send(VtId to, const char* type, Bytes& value);
/// Blocks for the next message (from `from`, or any_sender); nothing if a capture or cancel of
/// the VT became due first (the caller reaches a site and tries again).
std::optional<Bytes> vt_receive(VtId from, const char* type);
std::optional<Bytes> vt_try_receive(VtId from, const char* type);
GlobalValue vt_global_read(const std::string& name, const char* type);
void vt_global_write(const std::string& name, const char* type, Bytes value);
GlobalLease vt_global_acquire(const std::string& name, const char* type);
/// Ends an update: commits `value`, or aborts (value null: the function threw). Nothing for a
/// replayed update. Never throws.
void vt_global_release(const std::string& name, const char* type, const GlobalLease& lease,
                       const Bytes* value) noexcept;

// The client's side (VirtualComputer::send, receive, global).
void client_send(VcCore& vc, VtId to, const char* type, Bytes value);
std::optional<Bytes> client_receive(VcCore& vc, VtId from, const char* type, bool block);
GlobalValue client_global_read(VcCore& vc, const std::string& name, const char* type);
void client_global_write(VcCore& vc, const std::string& name, const char* type, Bytes value);
GlobalLease client_global_acquire(VcCore& vc, const std::string& name, const char* type);
void client_global_release(VcCore& vc, const std::string& name, const char* type,
                           const GlobalLease& lease, const Bytes* value) noexcept;

template <class T> Bytes encode_value(const T& value) {
  Bytes bytes;
  Writer out(bytes);
  encode(out, value);
  return bytes;
}

template <class T> T decode_value(const Bytes& bytes) {
  Reader in(bytes);
  T value = decode<T>(in);
  if (in.remaining() != 0)
    throw error(errc::decode_failed, std::string("a value of type ") + typeid(T).name() +
                                         " is followed by " + std::to_string(in.remaining()) +
                                         " more bytes");
  return value;
}

template <class T> T decode_global(const GlobalValue& value) {
  return value.set ? decode_value<T>(value.bytes) : T{};
}

} // namespace detail

/// Sends `value` to VT `to` (or ppp2p::client), buffered: returns without waiting for the
/// receiver, which need not be spawned yet. Messages from one sender to one receiver arrive in
/// the order sent. Waits (back-pressure) only while the virtual computer's message buffer is
/// full.
template <class T> PPP2P_DETAIL_CHECKPOINTABLE void send(VtId to, const T& value) {
  detail::Bytes bytes = detail::encode_value(value);
  while (!detail::vt_send(to, typeid(T).name(), bytes))
    if (ppp2p::checkpoint()) // waiting for room: a site; true: resumed here
      detail::note_resumed();
}

/// The next message to this VT, from anyone; blocks until one arrives. A site: a VT waiting
/// here can be captured. Throws ppp2p::error (message_type) if the next message is not a T.
template <class T> PPP2P_DETAIL_CHECKPOINTABLE T receive() {
  for (;;) {
    if (std::optional<detail::Bytes> bytes =
            detail::vt_receive(detail::any_sender, typeid(T).name()))
      return detail::decode_value<T>(*bytes);
    if (ppp2p::checkpoint()) // a site; true: resumed here
      detail::note_resumed();
  }
}

/// The next message to this VT from `from`; blocks until one arrives. A site.
template <class T> PPP2P_DETAIL_CHECKPOINTABLE T receive(VtId from) {
  for (;;) {
    if (std::optional<detail::Bytes> bytes = detail::vt_receive(from, typeid(T).name()))
      return detail::decode_value<T>(*bytes);
    if (ppp2p::checkpoint()) // a site; true: resumed here
      detail::note_resumed();
  }
}

/// The next message to this VT, or nothing if none has arrived; never blocks.
template <class T> std::optional<T> try_receive() {
  if (std::optional<detail::Bytes> bytes =
          detail::vt_try_receive(detail::any_sender, typeid(T).name()))
    return detail::decode_value<T>(*bytes);
  return std::nullopt;
}

/// A global variable of a virtual computer, named by a string, of one type T (an operation
/// with another type is an error naming both). Every operation is linearizable; a global never
/// written reads as T{}. Obtain with ppp2p::global<T>(name) inside a VT, or
/// VirtualComputer::global<T>(name) in the client.
template <class T> class Global {
public:
  /// The current value (one round trip to the owner).
  T read() const {
    return detail::decode_global<T>(vc_ ? detail::client_global_read(*vc_, name_, type())
                                        : detail::vt_global_read(name_, type()));
  }

  /// Replaces the value; returns once it is applied.
  void write(const T& value) const {
    if (vc_)
      detail::client_global_write(*vc_, name_, type(), detail::encode_value(value));
    else
      detail::vt_global_write(name_, type(), detail::encode_value(value));
  }

  /// Runs fn(T&) on the value atomically with respect to every other operation on this global
  /// and returns what fn returns. fn usually captures locals by reference. If fn throws, the
  /// value is unchanged and the exception propagates.
  template <class F> auto update(F&& fn) const -> std::invoke_result_t<F&, T&> {
    using R = std::invoke_result_t<F&, T&>;
    detail::GlobalLease lease = vc_ ? detail::client_global_acquire(*vc_, name_, type())
                                    : detail::vt_global_acquire(name_, type());
    // Releases the lock unchanged if decoding or fn throws.
    struct AbortUnlessCommitted {
      const Global* global;
      const detail::GlobalLease* lease;
      bool committed = false;
      ~AbortUnlessCommitted() {
        if (!committed)
          global->release(*lease, nullptr);
      }
    } guard{this, &lease};
    T value = detail::decode_global<T>(lease.value);
    if constexpr (std::is_void_v<R>) {
      fn(value);
      guard.committed = true;
      commit(lease, value);
    } else {
      R result = fn(value);
      guard.committed = true;
      commit(lease, value);
      return result;
    }
  }

  const std::string& name() const noexcept { return name_; }

private:
  template <class U> friend Global<U> global(std::string name);
  friend class VirtualComputer;
  Global(std::string name, std::shared_ptr<detail::VcCore> vc)
      : name_(std::move(name)), vc_(std::move(vc)) {}

  static const char* type() { return typeid(T).name(); }

  void commit(const detail::GlobalLease& lease, const T& value) const {
    detail::Bytes bytes = detail::encode_value(value);
    release(lease, &bytes);
  }

  /// Never throws: an abort that cannot reach the owner is moot (the lock goes with the VT).
  void release(const detail::GlobalLease& lease, const detail::Bytes* bytes) const noexcept {
    if (vc_)
      detail::client_global_release(*vc_, name_, type(), lease, bytes);
    else
      detail::vt_global_release(name_, type(), lease, bytes);
  }

  std::string name_;
  std::shared_ptr<detail::VcCore> vc_; // null inside a VT
};

/// The global variable `name` of the virtual computer running this VT.
template <class T> Global<T> global(std::string name) {
  return Global<T>(std::move(name), nullptr);
}

/// A handle moves with its VT by name (handles of the client never enter a VT).
template <class T> struct codec<Global<T>> {
  static void save(Writer& out, const Global<T>& handle) { encode(out, handle.name()); }
  static Global<T> load(Reader& in) { return global<T>(decode<std::string>(in)); }
};

} // namespace ppp2p
