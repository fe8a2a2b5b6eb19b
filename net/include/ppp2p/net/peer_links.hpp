// PeerLinks: an agent's authenticated links to other agents, by address.
//
// send(address, channel, body) is best effort, like a datagram: it connects on first use
// (TCP + handshake), queues while connecting (bounded), and drops what cannot be sent. Every
// accepted connection must send its Hello within link.hello_timeout and complete the handshake
// within link.handshake_timeout; at most max_handshakes may be in progress at once, and at most
// max_handshakes_per_source from one IP address, so a peer that stalls or floods can neither
// tie the agent up nor keep members at other addresses out. Frames that arrive on any link are
// handed to the handler of their channel with the peer's authenticated public key.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "ppp2p/net/link.hpp"
#include "ppp2p/net/loop.hpp"
#include "ppp2p/net/task_scope.hpp"
#include "ppp2p/net/tcp.hpp"

namespace ppp2p::net {

struct PeerLinksOptions {
  LinkOptions link;
  std::size_t max_queued_bytes = 8u << 20; // per peer, while connecting or backed up
  std::size_t max_handshakes = 64;         // accepted connections not yet authenticated
  // The same, from one IP address. Not lower: agents on one host (tests, benchmarks with 15
  // agents on loopback) share an address and may all connect to a seed at once.
  std::size_t max_handshakes_per_source = 16;
  // Sends to an address that just failed to connect are dropped for this long. A link that
  // broke after it was up is not throttled: the next send reconnects at once, so that a peer
  // whose process died is found refusing connections without delay (membership's fast path).
  Millis retry_after_failure{250};
};

struct PeerLinksStats {
  std::uint64_t handshakes_ok = 0;
  std::uint64_t handshakes_failed = 0;
  std::uint64_t connections_refused_busy = 0;   // over max_handshakes
  std::uint64_t connections_refused_source = 0; // over max_handshakes_per_source
  std::uint64_t frames_in = 0;
  std::uint64_t frames_dropped_out = 0; // queue full, or peer unreachable
  std::uint64_t frames_unknown_channel = 0;
};

class PeerLinks {
public:
  using Handler = std::function<void(const PublicKey& peer, ByteView body)>;
  // remote: the other end as "host:port"; error: why the connection ended.
  using Notice = std::function<void(const std::string& remote, std::error_code error)>;

  PeerLinks(Loop& loop, const Credentials& creds, PeerLinksOptions options = {});
  PeerLinks(const PeerLinks&) = delete;
  PeerLinks& operator=(const PeerLinks&) = delete;
  // shutdown() must have completed.
  ~PeerLinks();

  // Binds and starts accepting; returns the bound address (the real port for port 0).
  Result<SocketAddress> listen(const SocketAddress& addr);

  void send(const std::string& address, Channel channel, Bytes body);
  void on_receive(Channel channel, Handler handler) { handlers_[channel] = std::move(handler); }
  // An accepted connection failed its handshake (wrong cluster key, garbage, timeout...).
  void on_rejected(Notice n) { on_rejected_ = std::move(n); }
  // An outgoing link (to an address we send to) failed to connect or broke.
  void on_link_lost(Notice n) { on_link_lost_ = std::move(n); }
  // An outgoing link came up (remote = the address we connect to).
  void on_link_up(std::function<void(const std::string& address, const PublicKey& peer)> f) {
    on_link_up_ = std::move(f);
  }

  // Closes the listener and every link; completes when every task has ended.
  task<void> shutdown();

  const PeerLinksStats& stats() const noexcept { return stats_; }
  std::size_t outgoing_links() const noexcept { return outbound_.size(); }
  std::size_t incoming_links() const noexcept { return inbound_.size(); }

private:
  struct Outbound {
    std::unique_ptr<Link> link; // null while connecting
    std::deque<std::pair<Channel, Bytes>> queue;
    std::size_t queued_bytes = 0;
    bool closing = false;
  };

  task<void> accept_loop();
  task<void> serve_inbound(std::unique_ptr<Stream> stream, std::string remote, std::string source);
  task<void> connect_outbound(std::string address, std::shared_ptr<Outbound> out);
  task<std::error_code> read_link(Link& link);
  void dispatch(const PublicKey& peer, const OpenedFrame& frame);

  Loop& loop_;
  const Credentials& creds_;
  PeerLinksOptions options_;
  std::unique_ptr<TcpListener> listener_;
  std::map<std::string, std::shared_ptr<Outbound>> outbound_;
  std::map<std::string, Millis> failed_at_;
  std::set<Link*> inbound_;
  std::map<Stream*, std::string> handshaking_;         // accepted, not yet authenticated,
  std::map<std::string, std::size_t> handshakes_from_; // and how many per source IP
  std::map<Channel, Handler> handlers_;
  Notice on_rejected_, on_link_lost_;
  std::function<void(const std::string&, const PublicKey&)> on_link_up_;
  PeerLinksStats stats_;
  TaskScope scope_;
  bool shutting_down_ = false;
};

} // namespace ppp2p::net
