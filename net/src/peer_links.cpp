#include "ppp2p/net/peer_links.hpp"

#include "ppp2p/net/error.hpp"

namespace ppp2p::net {

PeerLinks::PeerLinks(Loop& loop, const Credentials& creds, PeerLinksOptions options)
    : loop_(loop), creds_(creds), options_(options) {}

PeerLinks::~PeerLinks() = default;

Result<SocketAddress> PeerLinks::listen(const SocketAddress& addr) {
  auto l = TcpListener::bind(loop_, addr);
  if (!l)
    return l.error();
  auto local = (*l)->local();
  if (!local)
    return local.error();
  listener_ = std::move(*l);
  scope_.spawn(accept_loop());
  return local;
}

task<void> PeerLinks::accept_loop() {
  while (!shutting_down_) {
    auto stream = co_await listener_->accept();
    if (!stream) {
      if (stream.error() == errc::cancelled)
        break;
      // EMFILE and the like: wait a moment rather than spin.
      co_await sleep_for(loop_, Millis{50});
      continue;
    }
    std::string remote = "?", source = "?";
    if (auto peer = static_cast<TcpStream&>(**stream).peer()) {
      remote = peer->to_string();
      source = peer->host();
    }
    if (handshaking_.size() >= options_.max_handshakes) {
      ++stats_.connections_refused_busy;
      (*stream)->close();
      continue;
    }
    // One address flooding half-open connections fills its own share, not everyone's.
    if (auto it = handshakes_from_.find(source);
        it != handshakes_from_.end() && it->second >= options_.max_handshakes_per_source) {
      ++stats_.connections_refused_source;
      (*stream)->close();
      continue;
    }
    scope_.spawn(serve_inbound(std::move(*stream), std::move(remote), std::move(source)));
  }
}

task<void> PeerLinks::serve_inbound(std::unique_ptr<Stream> stream, std::string remote,
                                    std::string source) {
  Stream* raw = stream.get();
  handshaking_.emplace(raw, source);
  ++handshakes_from_[source];
  auto link = co_await Link::accept(loop_, std::move(stream), creds_, options_.link);
  handshaking_.erase(raw);
  if (--handshakes_from_[source] == 0)
    handshakes_from_.erase(source);
  if (!link) {
    ++stats_.handshakes_failed;
    if (on_rejected_ && !shutting_down_)
      on_rejected_(remote, link.error());
    co_return;
  }
  ++stats_.handshakes_ok;
  if (shutting_down_)
    co_return;
  inbound_.insert(link->get());
  (void)co_await read_link(**link);
  inbound_.erase(link->get());
}

task<std::error_code> PeerLinks::read_link(Link& link) {
  for (;;) {
    auto frame = co_await link.receive();
    if (!frame)
      co_return frame.error();
    ++stats_.frames_in;
    dispatch(link.peer(), *frame);
  }
}

void PeerLinks::dispatch(const PublicKey& peer, const OpenedFrame& frame) {
  auto it = handlers_.find(static_cast<Channel>(frame.channel));
  if (it == handlers_.end()) {
    ++stats_.frames_unknown_channel;
    return;
  }
  it->second(peer, frame.body());
}

namespace {
Millis monotonic_now() {
  return Millis{static_cast<long>(Loop::hrtime_ns() / 1'000'000)};
}
} // namespace

void PeerLinks::send(const std::string& address, Channel channel, Bytes body) {
  if (shutting_down_)
    return;
  auto it = outbound_.find(address);
  if (it == outbound_.end()) {
    if (auto f = failed_at_.find(address); f != failed_at_.end()) {
      if (monotonic_now() - f->second < options_.retry_after_failure) {
        ++stats_.frames_dropped_out;
        return;
      }
      failed_at_.erase(f);
    }
    auto out = std::make_shared<Outbound>();
    out->queued_bytes = body.size();
    out->queue.emplace_back(channel, std::move(body));
    outbound_.emplace(address, out);
    // Runs until its first suspension: a malformed address fails (and is forgotten) at once.
    scope_.spawn(connect_outbound(address, std::move(out)));
    return;
  }
  Outbound& out = *it->second;
  std::size_t backlog = out.link ? out.link->queued_bytes() : out.queued_bytes;
  if (backlog + body.size() > options_.max_queued_bytes) {
    ++stats_.frames_dropped_out;
    return;
  }
  if (out.link) {
    if (!out.link->send(channel, body))
      ++stats_.frames_dropped_out;
    return;
  }
  out.queued_bytes += body.size();
  out.queue.emplace_back(channel, std::move(body));
}

task<void> PeerLinks::connect_outbound(std::string address, std::shared_ptr<Outbound> out) {
  auto forget = [this, &address, &out](std::error_code ec, bool throttle = true) {
    stats_.frames_dropped_out += out->queue.size();
    out->queue.clear();
    if (auto it = outbound_.find(address); it != outbound_.end() && it->second == out)
      outbound_.erase(it);
    Millis now = monotonic_now();
    if (failed_at_.size() > 4096)
      std::erase_if(failed_at_,
                    [&](auto& kv) { return now - kv.second > options_.retry_after_failure; });
    if (throttle)
      failed_at_[address] = now;
    if (on_link_lost_ && !shutting_down_)
      on_link_lost_(address, ec);
  };
  auto hp = parse_host_port(address);
  if (!hp) {
    forget(hp.error());
    co_return;
  }
  auto addr = co_await resolve(loop_, *hp);
  if (!addr) {
    forget(addr.error());
    co_return;
  }
  auto link = co_await Link::connect(loop_, *addr, creds_, options_.link);
  if (!link || shutting_down_ || out->closing) {
    forget(link ? std::error_code(errc::cancelled) : link.error());
    co_return;
  }
  ++stats_.handshakes_ok;
  out->link = std::move(*link);
  if (on_link_up_)
    on_link_up_(address, out->link->peer());
  while (!out->queue.empty()) {
    auto& [channel, body] = out->queue.front();
    if (!out->link->send(channel, body))
      ++stats_.frames_dropped_out;
    out->queue.pop_front();
  }
  out->queued_bytes = 0;
  forget(co_await read_link(*out->link), /*throttle=*/false);
}

task<void> PeerLinks::shutdown() {
  shutting_down_ = true;
  if (listener_)
    listener_->close();
  for (auto& [address, out] : outbound_) {
    out->closing = true;
    if (out->link)
      out->link->close();
  }
  for (Link* l : inbound_)
    l->close();
  for (auto& [s, source] : handshaking_)
    s->close();
  co_await scope_.join();
  outbound_.clear();
}

} // namespace ppp2p::net
