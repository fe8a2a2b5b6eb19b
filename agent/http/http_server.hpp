// HttpServer: a small HTTP/1.1 server on the agent's loop, for its observability endpoints.
// One request per connection (Connection: close); bounded head size, connections and time,
// so that a slow or hostile client cannot hold the agent's memory or sockets.
#pragma once

#include <functional>
#include <memory>
#include <set>

#include "ppp2p/net/address.hpp"
#include "ppp2p/net/loop.hpp"
#include "ppp2p/net/task_scope.hpp"
#include "ppp2p/net/tcp.hpp"
#include "router.hpp"

namespace ppp2p::agent::http {

struct ServerLimits {
  std::size_t max_head = 8192;       // request line and headers; beyond: 431
  unsigned max_connections = 32;     // served at once; beyond: 503 and closed
  net::Millis request_timeout{5000}; // to send the head and take the answer
};

class HttpServer {
public:
  HttpServer(net::Loop& loop, const Router& router, ServerLimits limits = {})
      : loop_(loop), router_(router), limits_(limits) {}

  // Binds addr and starts serving; the address bound (its port, when addr's was 0).
  net::Result<net::SocketAddress> start(const net::SocketAddress& addr);
  // Stops accepting and waits for the connections being served.
  net::task<void> stop();

private:
  net::task<void> serve(std::unique_ptr<net::Stream> stream);
  // After an error answer: drops what the client still sends, for a moment, then returns.
  net::task<void> linger(net::Stream& stream);

  net::Loop& loop_;
  const Router& router_;
  ServerLimits limits_;
  std::unique_ptr<net::TcpListener> listener_;
  net::TaskScope scope_;
  std::set<net::Stream*> open_; // connections being served
};

} // namespace ppp2p::agent::http
