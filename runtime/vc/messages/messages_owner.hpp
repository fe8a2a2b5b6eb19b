// The messages owner of a virtual computer: the post office between its VTs (and the client)
// and the home of its global variables. It lives with the client that created the VC (the VC's
// owner), knows nothing of processes or sockets (frames leave through `to_vt`), and applies
// every effect of a VT exactly once (messages.fbs): it journals, since each VT's newest
// checkpoint, what a re-executing VT must see again.
//
// Memory: messages not yet consumed count against `buffer_bytes`; over it, the owner stops
// acknowledging sends, so senders block once their window (kSendWindowBytes) is full. At most
// buffer_bytes plus one window per sender is buffered. The journal (consumed messages, global
// values read, values updates saw) is kept from each VT's newest checkpoint, or from its start
// until it has one.
#pragma once

#include "vc/messages/global_owner.hpp"
#include "vc/messages/mailbox.hpp"

#include <ppp2p/messages.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace ppp2p::detail {

struct MessageLimits {
  std::size_t buffer_bytes = 64u << 20;
};

struct MessageStats {
  std::size_t buffered_bytes = 0;  // messages sent, not yet consumed
  std::uint64_t messages = 0;      // messages accepted (re-executed sends not counted)
  std::uint64_t duplicates = 0;    // re-executed effects recognised and not applied again
  std::uint64_t undeliverable = 0; // messages to VTs that had already ended (dropped)
  std::uint64_t global_operations = 0;
};

class MessagesOwner {
public:
  using ToVt = std::function<void(VtId vt, Bytes frame)>;

  MessagesOwner(MessageLimits limits, ToVt to_vt);

  // The peer side: called in order per VT, from any thread.
  /// Handles a message frame from VT `vt`. Throws ppp2p::error (protocol_error) if the frame
  /// is malformed or breaks the protocol; nothing is applied then.
  void from_vt(VtId vt, std::span<const std::byte> frame);
  /// For an effect that travels outside these frames (a partial result): true if it is new.
  bool accept_effect(VtId vt, std::uint64_t effect);
  /// The highest effect of `vt` applied: a resumed VT re-executes up to here.
  std::uint64_t applied(VtId vt);
  /// VT `vt` now runs on a worker (its Run was sent), fresh or resumed at `effect`: sends it
  /// what its re-executed receives took before, then the messages waiting for it.
  void placed(VtId vt, std::uint64_t effect);
  /// A checkpoint of `vt` at `effect` is kept: the journal before it is dropped.
  void checkpointed(VtId vt, std::uint64_t effect);
  /// The VT's run stopped (it will be resumed): its lock and queued request are dropped, an
  /// update it had not committed is undone; messages for it keep waiting.
  void stopped(VtId vt);
  /// The VT ended for good: what waits for it is dropped.
  void finished(VtId vt);
  /// The VC is released: client operations fail with `why` from now on.
  void close(std::string why);

  // The client side (blocking).
  void client_send(VtId to, const char* type, Bytes value);
  std::optional<Bytes> client_receive(VtId from, const char* type, bool block);
  GlobalValue client_read(const std::string& name, const char* type);
  void client_write(const std::string& name, const char* type, Bytes value);
  GlobalLease client_acquire(const std::string& name, const char* type);
  void client_release(const std::string& name, const GlobalLease& lease, const Bytes* value);

  MessageStats stats();

private:
  using Message = WaitingMessage;
  struct Endpoint {
    Mailbox mailbox;
    bool placed = false;
    bool finished = false;
    // Replies and acknowledgements for a run not marked placed yet: VcCore sends a VT's Run
    // (fresh or resumed), then calls placed(), and the run's first requests can come between.
    // A run that stopped sends nothing after its stop, so all of these are for the new run.
    std::vector<Bytes> before_placed;
    std::uint64_t sends_through = 0; // highest send received (for acknowledgements)
    std::size_t unacked_bytes = 0;
  };
  struct ClientReply {
    bool done = false;
    GlobalValue value;
    std::string error;
    int code = -1;
  };

  Endpoint& endpoint(VtId vt) { return endpoints_[vt]; }
  void route(Message message, VtId to);
  /// Receives first, first + 1, ... of `vt` took `taken`: applied all or nothing (a protocol
  /// error names the first entry that is not a different waiting message); effects applied
  /// before are re-executions.
  void consume_run(Endpoint& receiver, VtId vt, std::uint64_t first,
                   std::span<const Mailbox::Taken> taken);
  void request(VtId who, std::uint64_t effect, GlobalOpKind op, const std::string& name,
               std::string type, GlobalValue value);
  /// Journals what globals_ applied and replies it.
  void applied(const GlobalOutcome& outcome);
  void release(VtId who, std::uint64_t effect, const std::string& name, const Bytes* value);
  void reply(const GlobalRequest& request, bool replay, const GlobalValue* value,
             const std::string& error, int code);
  void acknowledge(VtId vt, Endpoint& sender, bool force);
  /// Sends `frame` to a placed VT, keeps it for one not placed yet, drops it for one that
  /// ended.
  void send_to(VtId vt, Endpoint& e, Bytes frame);
  void release_backpressure();
  ClientReply wait_client_reply(std::unique_lock<std::mutex>& lock, std::uint64_t effect);
  void throw_if_closed() const;

  const MessageLimits limits_;
  const ToVt to_vt_;
  std::mutex mutex_;
  std::condition_variable client_changed_;
  std::map<VtId, Endpoint> endpoints_; // VTs and the client
  GlobalOwner globals_;
  std::map<std::uint64_t, ClientReply> client_replies_;
  std::uint64_t client_effect_ = 0;
  MessageStats stats_;
  bool over_limit_ = false;
  std::optional<std::string> closed_;
};

} // namespace ppp2p::detail
