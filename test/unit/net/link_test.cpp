#include <gtest/gtest.h>

#include <functional>

#include "net_test_util.hpp"
#include "ppp2p/net/error.hpp"
#include "ppp2p/net/frame.hpp"
#include "ppp2p/net/frame_reader.hpp"
#include "ppp2p/net/link.hpp"
#include "ppp2p/net/task_scope.hpp"

using namespace ppp2p::net;
using namespace ppp2p::net::testing;

namespace {

Credentials member(const std::string& secret = std::string(40, 's')) {
  return {Identity::generate(), ClusterKey::from_secret(secret), std::nullopt};
}

struct Pair {
  Result<std::unique_ptr<Link>> client = errc::cancelled;
  Result<std::unique_ptr<Link>> server = errc::cancelled;
};

// Connects a to b through listener (optionally through a relay address instead).
Pair connect(Loop& loop, TcpListener& listener, SocketAddress to, const Credentials& a,
             const Credentials& b, LinkOptions opt = {}) {
  Pair p;
  TaskScope scope;
  scope.spawn([](Loop& l, TcpListener& lis, const Credentials& creds, LinkOptions o,
                 Pair& out) -> task<void> {
    auto s = co_await lis.accept();
    if (!s) {
      out.server = s.error();
      co_return;
    }
    out.server = co_await Link::accept(l, std::move(*s), creds, o);
  }(loop, listener, b, opt, p));
  scope.spawn([](Loop& l, SocketAddress addr, const Credentials& creds, LinkOptions o,
                 Pair& out) -> task<void> {
    out.client = co_await Link::connect(l, addr, creds, o);
  }(loop, to, a, opt, p));
  sync_wait(loop, scope.join());
  return p;
}

Bytes text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

std::string text_of(ByteView v) {
  return std::string(v.begin(), v.end());
}

// A relay between a client and a server that lets a test alter the frames the client sends
// (after the first `skip` frames, i.e. after the handshake).
struct Relay {
  std::unique_ptr<TcpListener> listener;
  std::function<void(std::size_t index, Bytes& frame, Stream& to_server)> edit;

  static task<void> pump_raw(Stream& from, Stream& to) {
    for (;;) {
      if (!(co_await from.fill(1)).ok())
        break;
      (void)to.send(Bytes(from.buffered().begin(), from.buffered().end()));
      from.consume(from.buffered().size());
    }
    to.close();
  }

  task<void> run(Loop& loop, SocketAddress server) {
    auto in = co_await listener->accept();
    auto out = co_await TcpStream::connect(loop, server);
    if (!in || !out)
      co_return;
    TaskScope scope;
    scope.spawn(pump_raw(**out, **in));
    FrameReader reader(**in, kMaxFramePayload);
    for (std::size_t i = 0;; ++i) {
      auto f = co_await reader.next();
      if (!f)
        break;
      Bytes frame = make_frame(*f);
      edit(i, frame, **out);
    }
    (*out)->close();
    co_await scope.join();
  }
};

} // namespace

TEST(Link, MembersExchangeMessagesBothWays) {
  Loop loop;
  auto listener = TcpListener::bind(loop, loopback()).value();
  Credentials a = member(), b = member();
  Pair p = connect(loop, *listener, listener->local().value(), a, b);
  ASSERT_TRUE(p.client.ok()) << p.client.error().message();
  ASSERT_TRUE(p.server.ok()) << p.server.error().message();
  Link& c = **p.client;
  Link& s = **p.server;
  EXPECT_EQ(c.peer(), b.identity.public_key);
  EXPECT_EQ(s.peer(), a.identity.public_key);
  ASSERT_TRUE(c.send(Channel::echo, text("ping")).ok());
  ASSERT_TRUE(s.send(Channel::membership, text("pong")).ok());
  auto got = sync_wait(loop, [](Link& x, Link& y) -> task<std::string> {
    auto m1 = co_await y.receive();
    auto m2 = co_await x.receive();
    EXPECT_TRUE(m1.ok() && m2.ok());
    EXPECT_EQ(m1->channel, static_cast<std::uint32_t>(Channel::echo));
    EXPECT_EQ(m2->channel, static_cast<std::uint32_t>(Channel::membership));
    co_return text_of(m1->body()) + "/" + text_of(m2->body());
  }(c, s));
  EXPECT_EQ(got, "ping/pong");
}

TEST(Link, BothCiphersCarryMessages) {
  for (std::uint8_t mask : {cipher_bit(Cipher::chacha20_poly1305), std::uint8_t{0xff}}) {
    Loop loop;
    auto listener = TcpListener::bind(loop, loopback()).value();
    LinkOptions opt;
    opt.ciphers = mask;
    Pair p = connect(loop, *listener, listener->local().value(), member(), member(), opt);
    ASSERT_TRUE(p.client.ok() && p.server.ok());
    EXPECT_EQ((*p.client)->cipher(), (*p.server)->cipher());
    if (mask != 0xff)
      EXPECT_EQ((*p.client)->cipher(), Cipher::chacha20_poly1305);
    ASSERT_TRUE((*p.client)->send(Channel::echo, text("hello")).ok());
    auto got = sync_wait(loop, (*p.server)->receive());
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(text_of(got->body()), "hello");
  }
}

TEST(Link, WrongClusterKeyFailsOnBothSides) {
  Loop loop;
  auto listener = TcpListener::bind(loop, loopback()).value();
  Pair p = connect(loop, *listener, listener->local().value(),
                   member("the outsider's secret, 32+ bytes long"), member());
  EXPECT_EQ(p.client.error(), errc::handshake_bad_cluster_key);
  EXPECT_FALSE(p.server.ok()); // the initiator hung up instead of finishing
}

TEST(Link, SilentPeerTimesOutTheHandshake) {
  Loop loop;
  auto listener = TcpListener::bind(loop, loopback()).value();
  auto [raw, accepted] = tcp_pair(loop);
  LinkOptions opt;
  opt.handshake_timeout = Millis{50};
  auto r = sync_wait(loop, Link::accept(loop, std::move(accepted), member(), opt));
  EXPECT_EQ(r.error(), errc::handshake_timeout);
}

TEST(Link, GarbageInsteadOfAHelloIsRejectedAtOnce) {
  Loop loop;
  auto [raw, accepted] = tcp_pair(loop);
  ASSERT_TRUE(raw->send(text("GET / HTTP/1.1\r\nHost: x\r\n\r\n")).ok());
  auto r = sync_wait(loop, Link::accept(loop, std::move(accepted), member()));
  EXPECT_EQ(r.error(), errc::frame_too_large); // "GET " read as a length is far too large
}

TEST(Link, SmallGarbageFrameIsMalformed) {
  Loop loop;
  auto [raw, accepted] = tcp_pair(loop);
  ASSERT_TRUE(raw->send(make_frame(text("not a flatbuffer at all"))).ok());
  auto r = sync_wait(loop, Link::accept(loop, std::move(accepted), member()));
  EXPECT_EQ(r.error(), errc::handshake_malformed);
}

TEST(Link, TruncatedHandshakeEndsWithTheConnection) {
  Loop loop;
  auto [raw, accepted] = tcp_pair(loop);
  Credentials a = member();
  HandshakeInitiator hi(a);
  Bytes hello = make_frame(hi.hello());
  hello.resize(hello.size() / 2);
  ASSERT_TRUE(raw->send(hello).ok());
  TaskScope scope;
  scope.spawn([](Stream& s) -> task<void> {
    (void)co_await s.drained();
    s.close();
  }(*raw));
  auto r = sync_wait(loop, Link::accept(loop, std::move(accepted), member()));
  sync_wait(loop, scope.join());
  EXPECT_EQ(r.error(), errc::frame_truncated);
}

TEST(Link, TamperedFrameInTransitIsRejected) {
  Loop loop;
  auto server = TcpListener::bind(loop, loopback()).value();
  Relay relay{TcpListener::bind(loop, loopback()).value(), {}};
  relay.edit = [](std::size_t i, Bytes& frame, Stream& to) {
    if (i == 2) // hello, finish, then the first sealed frame
      frame[frame.size() / 2] ^= 1;
    (void)to.send(frame);
  };
  TaskScope scope;
  scope.spawn(relay.run(loop, server->local().value()));
  Pair p = connect(loop, *server, relay.listener->local().value(), member(), member());
  ASSERT_TRUE(p.client.ok() && p.server.ok());
  ASSERT_TRUE((*p.client)->send(Channel::echo, text("transfer 10 to alice")).ok());
  auto r = sync_wait(loop, (*p.server)->receive());
  EXPECT_EQ(r.error(), errc::decrypt_failed);
  (*p.client)->close();
  (*p.server)->close();
  sync_wait(loop, scope.join());
}

TEST(Link, ReplayedFrameInTransitIsRejected) {
  Loop loop;
  auto server = TcpListener::bind(loop, loopback()).value();
  Relay relay{TcpListener::bind(loop, loopback()).value(), {}};
  relay.edit = [](std::size_t i, Bytes& frame, Stream& to) {
    (void)to.send(frame);
    if (i == 2)
      (void)to.send(frame); // the same sealed frame again
  };
  TaskScope scope;
  scope.spawn(relay.run(loop, server->local().value()));
  Pair p = connect(loop, *server, relay.listener->local().value(), member(), member());
  ASSERT_TRUE(p.client.ok() && p.server.ok());
  ASSERT_TRUE((*p.client)->send(Channel::echo, text("transfer 10 to alice")).ok());
  auto results = sync_wait(loop, [](Link& s) -> task<std::pair<bool, std::error_code>> {
    auto first = co_await s.receive();
    auto second = co_await s.receive();
    co_return std::pair{first.ok(), second.error()};
  }(**p.server));
  EXPECT_TRUE(results.first);
  EXPECT_EQ(results.second, errc::decrypt_failed);
  (*p.client)->close();
  (*p.server)->close();
  sync_wait(loop, scope.join());
}

TEST(Link, OversizedMessageIsRejectedByTheReceiver) {
  Loop loop;
  auto listener = TcpListener::bind(loop, loopback()).value();
  LinkOptions small;
  small.max_message = 1000;
  Pair p = connect(loop, *listener, listener->local().value(), member(), member(), small);
  ASSERT_TRUE(p.client.ok() && p.server.ok());
  ASSERT_TRUE((*p.client)->send(Channel::echo, Bytes(1001)).ok());
  EXPECT_EQ(sync_wait(loop, (*p.server)->receive()).error(), errc::frame_too_large);
}
