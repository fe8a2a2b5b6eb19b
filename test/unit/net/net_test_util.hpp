// Helpers shared by the net unit tests.
#pragma once

#include <functional>
#include <memory>
#include <utility>

#include <gtest/gtest.h>

#include "ppp2p/net/loop.hpp"
#include "ppp2p/net/sync_wait.hpp"
#include "ppp2p/net/tcp.hpp"
#include "ppp2p/net/timer.hpp"

namespace ppp2p::net::testing {

inline SocketAddress loopback(std::uint16_t port = 0) {
  return SocketAddress::numeric({"127.0.0.1", port}).value();
}

// A connected pair of TCP streams on loopback: {client side, server side}.
inline std::pair<std::unique_ptr<Stream>, std::unique_ptr<Stream>> tcp_pair(Loop& loop) {
  auto listener = TcpListener::bind(loop, loopback()).value();
  auto addr = listener->local().value();
  auto run =
      [](Loop& l, TcpListener& lis,
         SocketAddress a) -> task<std::pair<std::unique_ptr<Stream>, std::unique_ptr<Stream>>> {
    auto client = co_await TcpStream::connect(l, a);
    auto server = co_await lis.accept();
    EXPECT_TRUE(client.ok());
    EXPECT_TRUE(server.ok());
    co_return std::pair<std::unique_ptr<Stream>, std::unique_ptr<Stream>>{
        std::move(client).value(), std::move(server).value()};
  };
  return sync_wait(loop, run(loop, *listener, addr));
}

inline Bytes bytes_of(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// Runs the loop until done() or the deadline; returns done().
inline bool run_until(Loop& loop, const std::function<bool()>& done, Millis limit = Millis{10000}) {
  Timer deadline(loop);
  bool expired = false;
  deadline.start(limit, [&] { expired = true; });
  while (!done() && !expired)
    loop.run_once();
  return done();
}

} // namespace ppp2p::net::testing
