#include "ppp2p/net/link.hpp"

#include <algorithm>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/frame.hpp"
#include "ppp2p/net/handshake.hpp"
#include "ppp2p/net/loop.hpp"
#include "ppp2p/net/tcp.hpp"

namespace ppp2p::net {

namespace {

// Closes the stream when the handshake takes too long, which cancels whatever it waits for.
class HandshakeDeadline {
public:
  HandshakeDeadline(Loop& loop, Stream& stream, Millis timeout)
      : timer_(loop), stream_(stream), started_ns_(Loop::hrtime_ns()) {
    arm(timeout);
  }
  // Moves the deadline to `timeout` after the start (the responder, once Hello has come).
  void extend_to(Millis timeout) {
    Millis elapsed{static_cast<long>((Loop::hrtime_ns() - started_ns_) / 1'000'000)};
    arm(std::max(Millis{0}, timeout - elapsed));
  }
  // The error to report: handshake_timeout if the deadline closed the stream.
  std::error_code error(std::error_code ec) const {
    return expired_ ? errc::handshake_timeout : ec;
  }
  void disarm() { timer_.cancel(); }

private:
  void arm(Millis timeout) {
    timer_.start(timeout, [this] {
      expired_ = true;
      stream_.close();
    });
  }

  Timer timer_;
  Stream& stream_;
  std::uint64_t started_ns_;
  bool expired_ = false;
};

task<Result<SessionKeys>> run_initiator(Stream& stream, FrameReader& reader,
                                        const Credentials& creds, std::uint8_t ciphers) {
  HandshakeInitiator hs(creds, ciphers);
  if (auto r = stream.send(make_frame(hs.hello())); !r)
    co_return r.error();
  auto reply = co_await reader.next();
  if (!reply)
    co_return reply.error();
  auto finish = hs.on_reply(*reply);
  if (!finish)
    co_return finish.error();
  if (auto r = stream.send(make_frame(finish->first)); !r)
    co_return r.error();
  co_return finish->second;
}

task<Result<SessionKeys>> run_responder(Stream& stream, FrameReader& reader,
                                        const Credentials& creds, const LinkOptions& options,
                                        HandshakeDeadline& deadline) {
  HandshakeResponder hs(creds, options.ciphers);
  auto hello = co_await reader.next();
  if (!hello)
    co_return hello.error();
  deadline.extend_to(options.handshake_timeout);
  auto reply = hs.on_hello(*hello);
  if (!reply)
    co_return reply.error();
  if (auto r = stream.send(make_frame(*reply)); !r)
    co_return r.error();
  auto finish = co_await reader.next();
  if (!finish)
    co_return finish.error();
  co_return hs.on_finish(*finish);
}

} // namespace

Link::Link(std::unique_ptr<Stream> stream, const SessionKeys& keys, std::size_t max_message)
    : stream_(std::move(stream)), reader_(*stream_, max_message + kSealOverhead), peer_(keys.peer),
      cipher_(keys.cipher), sealer_(keys.send_key, keys.cipher),
      opener_(keys.recv_key, keys.cipher) {}

Link::~Link() = default;

task<Result<std::unique_ptr<Link>>> Link::connect(Loop& loop, SocketAddress addr,
                                                  const Credentials& creds, LinkOptions options) {
  auto stream = co_await TcpStream::connect(loop, addr, options.connect_timeout);
  if (!stream)
    co_return stream.error();
  HandshakeDeadline deadline(loop, **stream, options.handshake_timeout);
  FrameReader reader(**stream, kMaxHandshakeFrame);
  auto keys = co_await run_initiator(**stream, reader, creds, options.ciphers);
  deadline.disarm();
  if (!keys)
    co_return deadline.error(keys.error());
  reader.consume_last(); // the Link's own reader starts after the handshake
  co_return std::unique_ptr<Link>(new Link(std::move(*stream), *keys, options.max_message));
}

task<Result<std::unique_ptr<Link>>> Link::accept(Loop& loop, std::unique_ptr<Stream> stream,
                                                 const Credentials& creds, LinkOptions options) {
  HandshakeDeadline deadline(loop, *stream,
                             std::min(options.hello_timeout, options.handshake_timeout));
  FrameReader reader(*stream, kMaxHandshakeFrame);
  auto keys = co_await run_responder(*stream, reader, creds, options, deadline);
  deadline.disarm();
  if (!keys)
    co_return deadline.error(keys.error());
  reader.consume_last();
  co_return std::unique_ptr<Link>(new Link(std::move(stream), *keys, options.max_message));
}

Result<void> Link::send(Channel channel, ByteView body) {
  return stream_->send(sealer_.seal(static_cast<std::uint32_t>(channel), body));
}

task<Result<OpenedFrame>> Link::receive() {
  auto payload = co_await reader_.next();
  if (!payload)
    co_return payload.error();
  co_return opener_.open(*payload);
}

} // namespace ppp2p::net
