// Messenger: reliable, ordered, exactly-once messaging between agents, over a best-effort
// transport (PeerLinks in the agent, a simulated network in tests).
//
// Each agent run has an epoch (random, never 0). Messages to a peer form a stream numbered
// from 1; the receiver delivers them in order, once, and acknowledges cumulatively. What is
// not acknowledged within the retransmission timeout (or was in flight on a link that broke)
// is sent again; at most window_bytes are in flight per peer, the rest waits. Messages larger
// than a fragment travel as consecutive fragments. Everything sent in one round of the loop
// goes out in as few frames as possible (one timer of 0 ms flushes).
//
// A peer that restarted (a new epoch) or forgot us answers an old stream with Reset; both
// sides then report on_peer_reset: messages in either direction may have been lost, and
// requests to that peer fail. Peers that are gone for good (dead or left, as membership
// says) are dropped with forget().
//
// What waits for one peer (queued or in flight) is bounded by max_backlog_bytes: a message
// that would pass it resets our stream to that peer (one that stops acknowledging, or is sent
// more than it takes): the backlog is dropped, the requests to it pending then fail with
// connection_closed, on_peer_reset reports it, and the message starts a fresh stream
// (Data.stream) whose start makes the peer report the reset too. Its stream to us goes on.
//
// Requests: request() sends a message that the peer's request handler answers with
// respond(); the response (or timed_out, or connection_closed after a reset or forget())
// reaches the callback exactly once.
//
// Single-threaded: every call, timer and frame happens on the thread driving Environment.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ppp2p/net/bytes.hpp"
#include "ppp2p/net/membership/env.hpp"
#include "ppp2p/net/result.hpp"

namespace ppp2p::net::reliable {

using membership::Environment;
using membership::TimerId;

struct Config {
  Millis retransmit_timeout{1000};     // no ack for this long: send what is in flight again
  Millis max_retransmit_timeout{8000}; // the timeout doubles up to this while nothing is acked
  Millis resend_after_link_loss{300};  // a link broke: resend (PeerLinks refuses for 250 ms)
  std::size_t window_bytes = 4u << 20; // sent and not yet acknowledged, per peer
  std::size_t fragment_bytes = 256u << 10;
  std::size_t frame_bytes = 1u << 20;         // most message bytes per frame
  std::size_t max_message = 80u << 20;        // larger incoming messages are dropped and counted
  std::size_t max_frame = 16u << 20;          // larger frames are refused
  std::size_t max_backlog_bytes = 256u << 20; // queued or in flight to one peer (see above)
};

struct Stats {
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_delivered = 0;
  std::uint64_t frames_sent = 0;
  std::uint64_t retransmissions = 0; // messages sent again
  std::uint64_t duplicates = 0;      // messages received again, dropped
  std::uint64_t out_of_order = 0;    // messages after a gap, dropped (sent again later)
  std::uint64_t frames_invalid = 0;
  std::uint64_t messages_too_large = 0;
  std::uint64_t resets = 0;            // peers reported through on_peer_reset
  std::uint64_t backlog_overflows = 0; // peers reset because their backlog passed the bound
};

class Messenger {
public:
  using RequestId = std::uint64_t;
  using MessageHandler = std::function<void(const std::string& from, ByteView body)>;
  using RequestHandler = std::function<void(const std::string& from, RequestId id, ByteView body)>;
  using ResponseHandler = std::function<void(Result<ByteView> response)>;
  using PeerHandler = std::function<void(const std::string& peer)>;

  Messenger(Environment env, std::string self_address, Config cfg = {});
  Messenger(const Messenger&) = delete;
  Messenger& operator=(const Messenger&) = delete;
  ~Messenger();

  // Queues body for `to` (our own address works too: delivered locally, in order).
  void send(const std::string& to, Bytes body);
  // Sends a request; done gets the response, or timed_out, or connection_closed.
  RequestId request(const std::string& to, Bytes body, Millis timeout, ResponseHandler done);
  // Answers request `id` from `to`.
  void respond(const std::string& to, RequestId id, Bytes body);

  void on_message(MessageHandler h) { on_message_ = std::move(h); }
  void on_request(RequestHandler h) { on_request_ = std::move(h); }
  void on_peer_reset(PeerHandler h) { on_peer_reset_ = std::move(h); }

  // Inputs from the transport.
  void on_frame(const std::string& from, ByteView frame);
  void link_lost(const std::string& address);
  // Drops a peer that is gone: queued messages are discarded, its requests fail with
  // connection_closed, and a stream it starts later is a new one.
  void forget(const std::string& address);
  // Cancels every timer; callbacks of pending requests are not called.
  void stop();

  std::uint64_t epoch() const noexcept { return epoch_; }
  const std::string& self_address() const noexcept { return self_; }
  const Stats& stats() const noexcept { return stats_; }
  // Bytes queued or in flight to `to` (0 for an unknown peer).
  std::size_t backlog(const std::string& to) const;
  std::size_t peer_count() const noexcept { return peers_.size(); }

private:
  struct OutMessage {
    std::uint64_t seq = 0;
    std::uint8_t kind = 0;
    std::uint64_t id = 0;
    bool last = true;
    Bytes body;
  };
  struct Peer {
    // Sending: messages [0, sent) of `out` are in flight, the rest wait for the window.
    std::uint64_t their_epoch = 0; // learnt from their acks or data
    std::uint64_t next_seq = 1;
    std::deque<OutMessage> out;
    std::size_t sent = 0;
    std::size_t in_flight_bytes = 0;
    std::size_t queued_bytes = 0; // every body in `out`
    std::uint64_t highest_sent = 0;
    Millis rto{0};
    TimerId rto_timer = 0;
    TimerId resend_timer = 0;
    // Receiving.
    std::uint64_t in_epoch = 0;  // the run we receive from them
    std::uint64_t in_stream = 0; // and its stream (Data.stream)
    std::uint64_t next_expected = 1;
    bool ack_due = false;
    Bytes assembling;        // fragments of the message being received
    bool discarding = false; // the message being received is too large: drop to its end
    // Changes when the peer is reset or forgotten; also our stream's id (Data.stream), so it
    // only grows.
    std::uint64_t generation = 0;
  };
  struct Pending {
    std::string to;
    ResponseHandler done;
    TimerId timer = 0;
  };

  void enqueue(const std::string& to, std::uint8_t kind, std::uint64_t id, Bytes body);
  void schedule_flush();
  void flush();
  void flush_peer(const std::string& address, Peer& p);
  void send_ack(const std::string& address, Peer& p);
  void send_reset(const std::string& to, std::uint64_t their_epoch);
  void arm_retransmit(const std::string& address, Peer& p);
  void retransmit(const std::string& address);
  void rewind(Peer& p);
  void handle_ack(const std::string& from, Peer& p, std::uint64_t their_epoch, std::uint64_t acked,
                  std::uint64_t stream);
  void overflow(const std::string& address);
  void handle_data(const std::string& from, const void* data);
  void deliver(const std::string& from, std::uint8_t kind, std::uint64_t id, ByteView body);
  void peer_reset(const std::string& address, std::uint64_t new_epoch);
  std::vector<RequestId> requests_to(const std::string& address) const; // pending ones
  void fail_requests_to(const std::string& address);
  void fail_requests(const std::vector<RequestId>& ids); // with connection_closed
  Peer& peer(const std::string& address);

  Environment env_;
  Config cfg_;
  std::string self_;
  std::uint64_t epoch_;
  std::map<std::string, Peer> peers_;
  std::set<std::string> dirty_; // peers with something to flush
  std::deque<std::pair<Bytes, std::pair<std::uint8_t, std::uint64_t>>> local_; // to ourselves
  std::map<RequestId, Pending> pending_;
  RequestId next_request_ = 1;
  std::uint64_t next_generation_ = 1;
  TimerId flush_timer_ = 0;
  bool stopped_ = false;
  Stats stats_;
  MessageHandler on_message_;
  RequestHandler on_request_;
  PeerHandler on_peer_reset_;
};

} // namespace ppp2p::net::reliable
