#include "ppp2p/net/tcp.hpp"

#include <uv.h>

#include "connect_awaiter.hpp"
#include "ppp2p/net/error.hpp"
#include "ppp2p/net/loop.hpp"
#include "ppp2p/net/timer.hpp"

namespace ppp2p::net {

namespace {

Result<SocketAddress> name_of(const uv_tcp_t* tcp, bool peer) {
  sockaddr_storage ss{};
  int len = sizeof ss;
  int rc = peer ? uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&ss), &len)
                : uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&ss), &len);
  if (rc != 0)
    return uv_error(rc);
  return SocketAddress::from(reinterpret_cast<sockaddr*>(&ss));
}

} // namespace

task<Result<std::unique_ptr<TcpStream>>> TcpStream::connect(Loop& loop, SocketAddress addr,
                                                            Millis timeout) {
  auto stream = std::make_unique<TcpStream>(loop);
  auto* tcp = reinterpret_cast<uv_tcp_t*>(stream->uv_stream());
  // Closing the stream makes libuv complete the request with UV_ECANCELED.
  bool timed_out = false;
  Timer deadline(loop);
  deadline.start(timeout, [&] {
    timed_out = true;
    stream->close();
  });
  int status = co_await detail::ConnectAwaiter{[&](uv_connect_t* req, uv_connect_cb cb) {
    return uv_tcp_connect(req, tcp, addr.get(), cb);
  }};
  deadline.cancel();
  if (timed_out)
    co_return errc::timed_out;
  if (status != 0)
    co_return uv_error(status);
  stream->configure_link_socket();
  stream->mark_connected();
  co_return stream;
}

Result<SocketAddress> TcpStream::peer() const {
  return name_of(reinterpret_cast<uv_tcp_t*>(uv_stream()), true);
}

Result<SocketAddress> TcpStream::local() const {
  return name_of(reinterpret_cast<uv_tcp_t*>(uv_stream()), false);
}

void TcpStream::set_nodelay(bool on) noexcept {
  uv_tcp_nodelay(reinterpret_cast<uv_tcp_t*>(uv_stream()), on ? 1 : 0);
}

void TcpStream::configure_link_socket() noexcept {
  set_nodelay(true);
  // Long-lived links to machines that vanish without a reset (power loss, cable) are found
  // by the kernel's keepalive probes after about a minute of silence.
  uv_tcp_keepalive(reinterpret_cast<uv_tcp_t*>(uv_stream()), 1, 60);
}

Result<std::unique_ptr<TcpListener>> TcpListener::bind(Loop& loop, const SocketAddress& addr,
                                                       int backlog) {
  std::unique_ptr<TcpListener> l(new TcpListener(loop));
  auto* tcp = reinterpret_cast<uv_tcp_t*>(l->uv_stream());
  if (int rc = uv_tcp_bind(tcp, addr.get(), 0); rc != 0)
    return uv_error(rc);
  if (auto r = l->listen(backlog); !r)
    return r.error();
  return l;
}

Result<SocketAddress> TcpListener::local() const {
  return name_of(reinterpret_cast<uv_tcp_t*>(uv_stream()), false);
}

std::unique_ptr<Stream> TcpListener::make_stream() {
  return std::make_unique<TcpStream>(loop_);
}

void TcpListener::configure(Stream& s) {
  static_cast<TcpStream&>(s).configure_link_socket();
}

} // namespace ppp2p::net
