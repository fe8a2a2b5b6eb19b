// TCP: connected streams (with TCP_NODELAY and keepalive) and listeners.
#pragma once

#include <memory>

#include "ppp2p/net/address.hpp"
#include "ppp2p/net/listener.hpp"
#include "ppp2p/net/stream.hpp"
#include "ppp2p/net/task.hpp"
#include "ppp2p/net/timer.hpp"

namespace ppp2p::net {

class TcpStream final : public Stream {
public:
  explicit TcpStream(Loop& loop) : Stream(loop, Kind::tcp) {}

  // Connects to addr, giving up with errc::timed_out after timeout. The result is ready for
  // reading and writing.
  static task<Result<std::unique_ptr<TcpStream>>> connect(Loop& loop, SocketAddress addr,
                                                          Millis timeout = Millis{10000});

  Result<SocketAddress> peer() const;
  Result<SocketAddress> local() const;
  void set_nodelay(bool on) noexcept;
  // TCP_NODELAY and keepalive (60 s): what every connect() and accept() applies.
  void configure_link_socket() noexcept;
};

class TcpListener final : public Listener {
public:
  // Binds and listens; port 0 picks a free port (see local()).
  static Result<std::unique_ptr<TcpListener>> bind(Loop& loop, const SocketAddress& addr,
                                                   int backlog = 128);
  Result<SocketAddress> local() const;

private:
  explicit TcpListener(Loop& loop) : Listener(loop, true) {}
  std::unique_ptr<Stream> make_stream() override;
  void configure(Stream& s) override;
};

} // namespace ppp2p::net
