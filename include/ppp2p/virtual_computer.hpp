// Virtual computers and virtual threads: run calls of checkpointable functions on workers and
// get their results and partial results back.
//
//   ppp2p::VirtualComputer vc({.workers = 4});
//   ppp2p::VirtualThread<long> vt = vc.spawn(count_primes, 0L, 1000000L);
//   vt.on_partial<Progress>([](const Progress& p) { ... });
//   long n = vt.get();
//
// With PPP2P_AGENT set (the data dir of the local ppp2p-runtime), the VC is deployed on peers
// of the agent's cluster; without it, on executor processes on this machine.
#pragma once

#include <ppp2p/codec.hpp>
#include <ppp2p/detail/vt_entry.hpp>
#include <ppp2p/errors.hpp>
#include <ppp2p/messages.hpp>
#include <ppp2p/vt.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace ppp2p {

/// A virtual thread failed remotely: threw (type_name() and remote_what() of the exception),
/// was cancelled, or its executor ended. peer() says where it ran.
class remote_error : public error {
public:
  remote_error(errc code, std::string type_name, std::string remote_what, std::string peer);
  const std::string& type_name() const noexcept { return type_name_; }
  const std::string& remote_what() const noexcept { return remote_what_; }
  const std::string& peer() const noexcept { return peer_; }

private:
  std::string type_name_, remote_what_, peer_;
};

/// Every field has a default: VirtualComputer vc; or VirtualComputer vc({.workers = 4}).
struct VirtualComputerOptions {
  /// Workers to enrol (the quota). 0: on this machine one per core; through an agent, as
  /// many peers as answer within enrol_timeout.
  unsigned workers = 0;
  /// Virtual threads a worker runs at once.
  unsigned slots_per_worker = 1;
  /// Placement hint: do not enrol peers with a lower speed score.
  double min_speed = 0;
  /// How long creating the VC may wait for workers.
  std::chrono::milliseconds enrol_timeout{10'000};
  /// Bytes of messages sent and not yet received that the VC buffers; beyond it senders wait
  /// (each may have up to 1 MiB more in flight).
  std::size_t message_buffer_bytes = 64u << 20;
  /// Every VT is captured at its next site this often (0: only on request); a VT whose worker
  /// dies resumes on another worker from its newest capture.
  std::chrono::milliseconds checkpoint_interval{10'000};
  /// Load balancing (on a cluster): when a worker is idle with nothing queued, the deployer
  /// suggests moving a VT from a worker at most half as fast to it, and the VC migrates it
  /// (each VT at most once). Off by default: see bench/README.md, "Load balancing".
  bool balance_load = false;
  /// On a cluster: how many workers besides a VT's own keep a copy of its newest checkpoint,
  /// so that when its worker is lost it resumes on one of them without the snapshot crossing
  /// the network again (the client keeps its own copy in any case; see README, "What survives
  /// what"). At most 16.
  unsigned replicas = 2;
  /// On a cluster: the address space (MiB) each worker's executor of this VC may use, at most
  /// the agent's own limit (ppp2p-runtime --executor-memory); allocations beyond it throw
  /// std::bad_alloc in the VT. 0: the agent's limit. Agents started with --no-sandbox, and
  /// the embedded peer, apply no limit.
  std::uint64_t memory_limit_mib = 0;
};

namespace detail {

struct VtCore;
class VcCore;

/// Blocks until the VT ends; returns its encoded result or throws its remote_error.
const std::vector<std::byte>& wait_result(VtCore& vt);
bool wait_for(VtCore& vt, std::chrono::nanoseconds timeout);
void add_partial_handler(VtCore& vt, std::string type,
                         std::function<void(const std::vector<std::byte>&)> handler);
void cancel(VtCore& vt);
VtId vt_id(const VtCore& vt) noexcept;

std::shared_ptr<VtCore> spawn(VcCore& vc, EntryFunction entry, const void* function,
                              std::vector<std::byte> args);
bool checkpoint(VtCore& vt, std::chrono::nanoseconds timeout);
bool restart(VtCore& vt);
bool migrate(VtCore& vt, std::chrono::nanoseconds timeout, const std::string& to = {});
bool damage_checkpoint(VtCore& vt);      // testing
void damage_next_checkpoint(VtCore& vt); // testing
unsigned damaged_checkpoints(VtCore& vt);
bool migrate(VcCore& vc, VtId id, std::chrono::nanoseconds timeout, const std::string& to = {});
unsigned resumes(VtCore& vt);
std::uint64_t partials_dropped(VtCore& vt);
std::string peer(VtCore& vt);
std::vector<std::string> peers(const VcCore& vc);
unsigned rebalanced(const VcCore& vc);

struct VtAccess {
  template <class V> static VtCore& core(V& vt) { return *vt.core_; }
};

} // namespace detail

template <class R> class VirtualThread {
public:
  VtId id() const noexcept { return detail::vt_id(*core_); }

  /// Blocks until the VT ends; rethrows a remote failure as ppp2p::remote_error.
  R get() {
    const std::vector<std::byte>& bytes = detail::wait_result(*core_);
    if constexpr (!std::is_void_v<R>) {
      Reader in(bytes);
      return decode<R>(in);
    }
  }

  /// True if the VT has ended (with a result or a failure) within `timeout`.
  template <class Rep, class Period> bool wait_for(std::chrono::duration<Rep, Period> timeout) {
    return detail::wait_for(*core_, std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
  }

  /// Calls `handler` with every partial result of type T the VT reports, in order, on a thread
  /// of the client; partials that arrived before are delivered first. Those waiting for a
  /// handler are kept up to 16 MiB per VT (all types together); beyond, the oldest go first,
  /// counted by partials_dropped() and reported on stderr once per VT.
  template <class T, class F> void on_partial(F handler) {
    detail::add_partial_handler(
        *core_, typeid(T).name(),
        [handler = std::move(handler)](const std::vector<std::byte>& bytes) {
          Reader in(bytes);
          handler(decode<T>(in));
        });
  }

  /// Asks the VT to stop at its next checkpoint(); get() then throws remote_error
  /// (vt_cancelled).
  void cancel() { detail::cancel(*core_); }

  /// Captures the VT at its next site (a checkpoint() or a blocking receive) and keeps the
  /// capture as the point it is resumed from; the VT goes on. True once the capture is kept;
  /// false if the VT ended, or reached no site that could capture it within `timeout`.
  template <class Rep, class Period> bool checkpoint(std::chrono::duration<Rep, Period> timeout) {
    return detail::checkpoint(*core_,
                              std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
  }

  /// Moves the VT: captures it at its next site, stops it there and resumes it from that
  /// capture on another worker (the same one only if no other can take it). Nothing it did is
  /// lost or done twice. False if the VT ended or reached no site within `timeout`.
  template <class Rep, class Period> bool migrate(std::chrono::duration<Rep, Period> timeout) {
    return detail::migrate(*core_, std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
  }
  /// The same, to worker `peer` (a name from VirtualComputer::peers() or another VT's
  /// peer()), where it waits for a free slot if all are busy. False, without stopping the VT,
  /// if `peer` is not a worker of the VC or the VT was captured there; if `peer` leaves
  /// before the VT is placed, it resumes on another worker.
  template <class Rep, class Period>
  bool migrate(const std::string& peer, std::chrono::duration<Rep, Period> timeout) {
    return detail::migrate(*core_, std::chrono::duration_cast<std::chrono::nanoseconds>(timeout),
                           peer);
  }

  /// How many times the VT was resumed from a checkpoint (or restarted from its start).
  unsigned resumes() const { return detail::resumes(*core_); }

  /// Partial results dropped because no handler of their type took them and those waiting for
  /// one passed 16 MiB (see on_partial).
  std::uint64_t partials_dropped() const { return detail::partials_dropped(*core_); }

  /// The worker that took the VT's newest capture (as VirtualComputer::peers() names it);
  /// empty before its first.
  std::string peer() const { return detail::peer(*core_); }

private:
  friend class VirtualComputer;
  friend struct detail::VtAccess;
  explicit VirtualThread(std::shared_ptr<detail::VtCore> core) : core_(std::move(core)) {}
  std::shared_ptr<detail::VtCore> core_;
};

class VirtualComputer {
public:
  using Options = VirtualComputerOptions;

  /// Enrols the workers. Throws ppp2p::error (vc_unavailable) naming the problem.
  explicit VirtualComputer(Options options = {});
  /// Cancels what still runs and releases the workers.
  ~VirtualComputer();
  VirtualComputer(const VirtualComputer&) = delete;
  VirtualComputer& operator=(const VirtualComputer&) = delete;

  /// Runs fn(args...) on a worker. fn must be a [[ppp2p::checkpointable]] function of this
  /// program; its arguments and result must have a codec.
  template <class R, class... P, class... A> VirtualThread<R> spawn(R (*fn)(P...), A&&... args) {
    static_assert(sizeof...(P) == sizeof...(A), "spawn: wrong number of arguments");
    (void)detail::vt_entry<R, P...>::registered;
    std::vector<std::byte> bytes;
    Writer out(bytes);
    (encode<std::decay_t<P>>(out, std::decay_t<P>(std::forward<A>(args))), ...);
    return VirtualThread<R>(detail::spawn(*core_, &detail::vt_entry<R, P...>::run,
                                          reinterpret_cast<const void*>(fn), std::move(bytes)));
  }

  /// Runs checkpointable member function `fn` on a copy of `object` (which moves with the VT,
  /// `this` pointing into it): `vc.spawn(&Graph::bfs, graph, start)`. Not a virtual member
  /// (spawn a function that calls it): throws ppp2p::error(spawn_refused).
  template <class R, class C, class... P, class... A>
  VirtualThread<R> spawn(R (C::*fn)(P...), const C& object, A&&... args) {
    return spawn_member<R, C, P...>(fn, object, std::forward<A>(args)...);
  }
  template <class R, class C, class... P, class... A>
  VirtualThread<R> spawn(R (C::*fn)(P...) const, const C& object, A&&... args) {
    return spawn_member<R, C, P...>(fn, object, std::forward<A>(args)...);
  }

  /// Workers enrolled now.
  unsigned workers() const;
  /// Their names (executors on the embedded peer, agents' addresses on a cluster).
  std::vector<std::string> peers() const { return detail::peers(*core_); }
  /// VTs moved so far on the deployer's suggestion (Options::balance_load).
  unsigned rebalanced() const { return detail::rebalanced(*core_); }

  /// Moves VT `id` to another worker (see VirtualThread::migrate); false if it is not
  /// running, or reached no site within `timeout` (default 10 s).
  bool migrate(VtId id, std::chrono::nanoseconds timeout = std::chrono::seconds(10)) {
    return detail::migrate(*core_, id, timeout);
  }
  /// Moves VT `id` to worker `peer` (see VirtualThread::migrate(peer, timeout)).
  bool migrate(VtId id, const std::string& peer,
               std::chrono::nanoseconds timeout = std::chrono::seconds(10)) {
    return detail::migrate(*core_, id, timeout, peer);
  }

  /// Sends `value` to VT `to` (spawned or not yet), buffered, like ppp2p::send in a VT.
  template <class T> void send(VtId to, const T& value) {
    detail::client_send(*core_, to, typeid(T).name(), detail::encode_value(value));
  }

  /// The next message a VT sent to ppp2p::client (from anyone, or from `from`); blocks.
  template <class T> T receive() { return receive_from<T>(detail::any_sender); }
  template <class T> T receive(VtId from) { return receive_from<T>(from); }

  /// The next message to the client, or nothing if none has arrived; never blocks.
  template <class T> std::optional<T> try_receive() {
    if (auto bytes = detail::client_receive(*core_, detail::any_sender, typeid(T).name(), false))
      return detail::decode_value<T>(*bytes);
    return std::nullopt;
  }

  /// The global variable `name` of this VC, e.g. to seed it before spawning or read it after.
  template <class T> Global<T> global(std::string name) const {
    return Global<T>(std::move(name), core_);
  }

private:
  template <class R, class C, class... P, class Member, class... A>
  VirtualThread<R> spawn_member(Member fn, const C& object, A&&... args) {
    static_assert(sizeof...(P) == sizeof...(A), "spawn: wrong number of arguments");
    using Entry = detail::vt_member_entry<Member, R, C, P...>;
    (void)Entry::registered;
    if constexpr (std::is_polymorphic_v<C>)
      // The VT runs on a copy of type C: a virtual member resolves as for a C, so the object
      // given must be a C, not of a derived class (the copy would slice it).
      if (typeid(object) != typeid(C))
        throw error(errc::spawn_refused,
                    "the object is of a class derived from the member function's class, which "
                    "the VT's copy of it would slice: name the member of the object's own "
                    "class (&Derived::f)");
    const void* address = detail::member_function_address(fn, object);
    if (!address)
      throw error(errc::spawn_refused,
                  "a member function reached through an adjustment of `this` (a member of a "
                  "base class at a non-zero offset) cannot be spawned: spawn a function that "
                  "calls it");
    std::vector<std::byte> bytes;
    Writer out(bytes);
    encode<C>(out, object);
    (encode<std::decay_t<P>>(out, std::decay_t<P>(std::forward<A>(args))), ...);
    return VirtualThread<R>(detail::spawn(*core_, &Entry::run, address, std::move(bytes)));
  }

  template <class T> T receive_from(VtId from) {
    return detail::decode_value<T>(*detail::client_receive(*core_, from, typeid(T).name(), true));
  }

  std::shared_ptr<detail::VcCore> core_;
};

} // namespace ppp2p
