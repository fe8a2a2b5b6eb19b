// Link: an authenticated, encrypted, framed connection to another agent.
//
// A Link exists only after the handshake (handshake.hpp) succeeded: whoever holds one knows the
// peer's long-term public key, and every frame on it is sealed (secure_channel.hpp). Frames
// carry a channel number and one FlatBuffer; the channel's owner verifies the FlatBuffer.
#pragma once

#include <cstdint>
#include <memory>

#include "ppp2p/net/address.hpp"
#include "ppp2p/net/frame_reader.hpp"
#include "ppp2p/net/handshake.hpp"
#include "ppp2p/net/keys.hpp"
#include "ppp2p/net/secure_channel.hpp"
#include "ppp2p/net/stream.hpp"
#include "ppp2p/net/task.hpp"
#include "ppp2p/net/timer.hpp"

namespace ppp2p::net {

// Channel numbers: append only, never renumber or reuse.
enum class Channel : std::uint32_t {
  membership = 1, // SWIM (schema/membership.fbs)
  echo = 2,       // request/response for tests and benchmarks (schema/echo.fbs)
  reliable = 3,   // reliable messaging (schema/reliable.fbs, reliable/messenger.hpp)
};

struct LinkOptions {
  Millis handshake_timeout{5000}; // the whole handshake, from connect or accept
  // An accepted connection must send its Hello this soon: a member's arrives at once, and a
  // half-open connection that says nothing frees its place among the pending handshakes early.
  Millis hello_timeout{1000};
  Millis connect_timeout{5000};
  std::size_t max_message = 16u << 20; // largest FlatBuffer body accepted
  std::uint8_t ciphers = 0xff;         // cipher_bit()s we may use (see handshake.hpp)
};

class Link {
public:
  // Connects to addr and runs the handshake as initiator.
  static task<Result<std::unique_ptr<Link>>>
  connect(Loop& loop, SocketAddress addr, const Credentials& creds, LinkOptions options = {});
  // Runs the handshake as responder on an accepted stream.
  static task<Result<std::unique_ptr<Link>>> accept(Loop& loop, std::unique_ptr<Stream> stream,
                                                    const Credentials& creds,
                                                    LinkOptions options = {});

  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;
  ~Link();

  const PublicKey& peer() const noexcept { return peer_; }
  Cipher cipher() const noexcept { return cipher_; }

  // Seals body and starts writing it. Fails when the link is closed or broken.
  Result<void> send(Channel channel, ByteView body);
  // The next frame. Errors: decrypt_failed (tampered/replayed), frame_too_large,
  // connection_closed, cancelled (after close()), or the socket's error.
  task<Result<OpenedFrame>> receive();

  Stream::DrainAwaiter drained(std::size_t low_water = 0) noexcept {
    return stream_->drained(low_water);
  }
  std::size_t queued_bytes() const noexcept { return stream_->queued_bytes(); }
  void close() noexcept { stream_->close(); }
  bool is_open() const noexcept { return stream_->is_open(); }

private:
  Link(std::unique_ptr<Stream> stream, const SessionKeys& keys, std::size_t max_message);

  std::unique_ptr<Stream> stream_;
  FrameReader reader_;
  PublicKey peer_;
  Cipher cipher_;
  Sealer sealer_;
  Opener opener_;
};

} // namespace ppp2p::net
