#include "http_server.hpp"

#include <set>
#include <string_view>

#include "ppp2p/net/timer.hpp"

namespace ppp2p::agent::http {

using namespace ppp2p::net;

Result<SocketAddress> HttpServer::start(const SocketAddress& addr) {
  auto l = TcpListener::bind(loop_, addr);
  if (!l)
    return l.error();
  listener_ = std::move(*l);
  auto local = listener_->local();
  if (!local)
    return local.error();
  scope_.spawn(accept_each(loop_, *listener_, [this](std::unique_ptr<Stream> stream) {
    scope_.spawn(serve(std::move(stream)));
  }));
  return *local;
}

task<void> HttpServer::stop() {
  if (listener_)
    listener_->close();
  for (Stream* s : open_) // do not wait out their request timeouts
    s->close();
  co_await scope_.join();
}

task<void> HttpServer::linger(Stream& stream) {
  // Closing with unread bytes makes the kernel reset the connection, which can destroy the
  // error answer before the client reads it: read and drop what comes, briefly, first.
  constexpr Millis kLinger{500};
  constexpr std::size_t kMaxDropped = 1 << 20;
  Timer limit(loop_);
  limit.start(kLinger, [&] { stream.close(); });
  std::size_t dropped = 0;
  while (dropped < kMaxDropped) {
    std::size_t n = stream.buffered().size();
    stream.consume(n);
    dropped += n;
    if (!co_await stream.fill(1))
      break;
  }
}

task<void> HttpServer::serve(std::unique_ptr<Stream> stream) {
  // Counted for the whole coroutine, so that every path out gives the place back.
  struct Slot {
    std::set<Stream*>& open;
    Stream* s;
    Slot(std::set<Stream*>& o, Stream* st) : open(o), s(st) { open.insert(s); }
    ~Slot() { open.erase(s); }
  } slot(open_, stream.get());
  Timer deadline(loop_);
  deadline.start(limits_.request_timeout, [&] { stream->close(); });
  auto answer = [&](const Response& r, bool head_only) -> task<void> {
    std::string text = serialize(r, head_only);
    if (stream->send(Bytes(text.begin(), text.end())))
      (void)co_await stream->drained();
  };
  if (open_.size() > limits_.max_connections) {
    co_await answer(error_response(503, "too many connections"), false);
    // Lingering holds the socket a moment: under a flood, close at once instead.
    if (open_.size() <= 2 * limits_.max_connections)
      co_await linger(*stream);
    co_return;
  }
  stream->set_read_ahead(limits_.max_head + 1);
  std::size_t want = 1;
  for (;;) {
    // A peer that ends the stream (or the deadline) simply ends the connection.
    if (!co_await stream->fill(want))
      co_return;
    ByteView b = stream->buffered();
    std::string_view text(reinterpret_cast<const char*>(b.data()), b.size());
    ParseResult p = parse_request(text, limits_.max_head);
    switch (p.outcome) {
    case ParseResult::Outcome::incomplete:
      want = b.size() + 1;
      continue;
    case ParseResult::Outcome::bad:
      co_await answer(error_response(400, p.error), false);
      co_await linger(*stream);
      co_return;
    case ParseResult::Outcome::too_large:
      co_await answer(error_response(431, p.error), false);
      co_await linger(*stream);
      co_return;
    case ParseResult::Outcome::complete:
      co_await answer(router_.handle(p.request), p.request.method == "HEAD");
      if (stream->buffered().size() > p.head_size) // a body, or pipelined requests
        co_await linger(*stream);
      co_return;
    }
  }
}

} // namespace ppp2p::agent::http
