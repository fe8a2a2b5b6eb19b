#include <gtest/gtest.h>

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <utility>
#include <vector>

#include "net_test_util.hpp"
#include "ppp2p/net/error.hpp"
#include "ppp2p/net/frame.hpp"
#include "ppp2p/net/frame_reader.hpp"
#include "ppp2p/net/handshake.hpp"
#include "ppp2p/net/peer_links.hpp"
#include "ppp2p/net/timer.hpp"

using namespace ppp2p::net;
using namespace ppp2p::net::testing;

namespace {

Credentials member(const std::string& secret = std::string(40, 's')) {
  return {Identity::generate(), ClusterKey::from_secret(secret), std::nullopt};
}

struct Node {
  Credentials creds;
  PeerLinks links;
  std::string address;
  Node(Loop& loop, Credentials c, PeerLinksOptions o = {})
      : creds(std::move(c)), links(loop, creds, o) {
    address = links.listen(loopback()).value().to_string();
  }
};

// A TCP connection from `source` (a loopback address) that never says anything: a plain
// socket, because TcpStream cannot choose its source address. The kernel completes the
// connection from the listen backlog, so this need not run the loop.
struct SilentConnection {
  int fd = -1;
  SilentConnection(const char* source, const SocketAddress& to) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &from.sin_addr);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from), 0) << errno;
    EXPECT_EQ(::connect(fd, to.get(), sizeof(sockaddr_in)), 0) << errno;
  }
  SilentConnection(SilentConnection&& o) noexcept : fd(std::exchange(o.fd, -1)) {}
  ~SilentConnection() {
    if (fd >= 0)
      ::close(fd);
  }
  // True once the other end has closed it (end of file, or a reset).
  bool closed_by_peer() const {
    char c;
    ssize_t n = ::recv(fd, &c, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }
};

// An initiator that sends its Hello at once, then pauses before it reads the reply and
// finishes: slower than the Hello deadline, within the handshake's.
task<bool> slow_initiator(Loop& loop, SocketAddress to, const Credentials& creds, Millis pause) {
  auto stream = co_await TcpStream::connect(loop, to);
  if (!stream)
    co_return false;
  HandshakeInitiator hs(creds);
  if (!(*stream)->send(make_frame(hs.hello())))
    co_return false;
  co_await sleep_for(loop, pause);
  FrameReader reader(**stream, kMaxHandshakeFrame);
  auto reply = co_await reader.next();
  if (!reply)
    co_return false;
  auto finish = hs.on_reply(*reply);
  if (!finish || !(*stream)->send(make_frame(finish->first)))
    co_return false;
  co_await sleep_for(loop, Millis{50}); // let the responder read it before we close
  co_return true;
}

} // namespace

TEST(PeerLinks, DeliversToTheChannelHandlerWithTheSendersKey) {
  Loop loop;
  Node a(loop, member()), b(loop, member());
  std::vector<std::pair<PublicKey, std::string>> got;
  b.links.on_receive(Channel::echo, [&](const PublicKey& from, ByteView body) {
    got.emplace_back(from, std::string(body.begin(), body.end()));
  });
  a.links.send(b.address, Channel::echo, bytes_of("one"));
  a.links.send(b.address, Channel::echo, bytes_of("two")); // queued while connecting
  ASSERT_TRUE(run_until(loop, [&] { return got.size() == 2; }));
  EXPECT_EQ(got[0].first, a.creds.identity.public_key);
  EXPECT_EQ(got[0].second, "one");
  EXPECT_EQ(got[1].second, "two");
  a.links.send(b.address, Channel::echo, bytes_of("three")); // over the open link
  ASSERT_TRUE(run_until(loop, [&] { return got.size() == 3; }));
  EXPECT_EQ(a.links.outgoing_links(), 1u);
  EXPECT_EQ(b.links.incoming_links(), 1u);
  sync_wait(loop, a.links.shutdown());
  sync_wait(loop, b.links.shutdown());
}

TEST(PeerLinks, FramesForUnknownChannelsAreCountedAndDropped) {
  Loop loop;
  Node a(loop, member()), b(loop, member());
  a.links.send(b.address, Channel::membership, bytes_of("x"));
  ASSERT_TRUE(run_until(loop, [&] { return b.links.stats().frames_unknown_channel == 1; }));
  sync_wait(loop, a.links.shutdown());
  sync_wait(loop, b.links.shutdown());
}

TEST(PeerLinks, WrongClusterKeyIsRejectedAndReported) {
  Loop loop;
  Node a(loop, member("an outsider's secret of 32+ bytes....")), b(loop, member());
  std::vector<std::error_code> rejected, lost;
  b.links.on_rejected([&](const std::string&, std::error_code ec) { rejected.push_back(ec); });
  a.links.on_link_lost([&](const std::string&, std::error_code ec) { lost.push_back(ec); });
  bool delivered = false;
  b.links.on_receive(Channel::echo, [&](const PublicKey&, ByteView) { delivered = true; });
  a.links.send(b.address, Channel::echo, bytes_of("let me in"));
  ASSERT_TRUE(run_until(loop, [&] { return !rejected.empty() && !lost.empty(); }));
  EXPECT_EQ(lost[0], errc::handshake_bad_cluster_key);
  EXPECT_FALSE(delivered);
  sync_wait(loop, a.links.shutdown());
  sync_wait(loop, b.links.shutdown());
}

TEST(PeerLinks, UnreachableAddressIsReportedAndRetriedOnlyAfterAPause) {
  Loop loop;
  PeerLinksOptions o;
  o.retry_after_failure = Millis{60000}; // far longer than the test, however slow the machine
  Node a(loop, member(), o);
  std::string closed;
  {
    auto l = TcpListener::bind(loop, loopback()).value();
    closed = l->local()->to_string();
  }
  std::vector<std::string> lost;
  a.links.on_link_lost([&](const std::string& addr, std::error_code) { lost.push_back(addr); });
  a.links.send(closed, Channel::echo, bytes_of("hello?"));
  ASSERT_TRUE(run_until(loop, [&] { return lost.size() == 1; }));
  EXPECT_EQ(lost[0], closed);
  a.links.send(closed, Channel::echo, bytes_of("again")); // within retry_after_failure
  EXPECT_EQ(a.links.outgoing_links(), 0u);
  EXPECT_GE(a.links.stats().frames_dropped_out, 2u);
  a.links.send("not an address", Channel::echo, bytes_of("x"));
  EXPECT_EQ(lost.size(), 2u); // reported at once
  sync_wait(loop, a.links.shutdown());
}

TEST(PeerLinks, StalledHandshakesAreBoundedAndTimedOut) {
  Loop loop;
  PeerLinksOptions o;
  o.max_handshakes = 2;
  // Long enough that the third connection arrives while the first two still wait, even on a
  // loaded machine.
  o.link.handshake_timeout = Millis{2000};
  o.link.hello_timeout = Millis{2000};
  Node b(loop, member(), o);
  std::vector<std::error_code> rejected;
  b.links.on_rejected([&](const std::string&, std::error_code ec) { rejected.push_back(ec); });
  auto addr = SocketAddress::numeric(parse_host_port(b.address).value()).value();
  std::vector<std::unique_ptr<TcpStream>> silent;
  for (int i = 0; i < 3; ++i)
    silent.push_back(sync_wait(loop, TcpStream::connect(loop, addr)).value());
  ASSERT_TRUE(run_until(loop, [&] { return b.links.stats().connections_refused_busy == 1; }));
  ASSERT_TRUE(run_until(loop, [&] { return rejected.size() == 2; }));
  EXPECT_EQ(rejected[0], errc::handshake_timeout);
  // Still serving members afterwards.
  Node a(loop, member());
  bool delivered = false;
  b.links.on_receive(Channel::echo, [&](const PublicKey&, ByteView) { delivered = true; });
  a.links.send(b.address, Channel::echo, bytes_of("hi"));
  EXPECT_TRUE(run_until(loop, [&] { return delivered; }));
  sync_wait(loop, a.links.shutdown());
  sync_wait(loop, b.links.shutdown());
}

TEST(PeerLinks, OneAddressCannotTakeEveryPendingHandshake) {
  Loop loop;
  PeerLinksOptions o;
  o.max_handshakes = 8;
  o.max_handshakes_per_source = 3;
  o.link.hello_timeout = Millis{60000}; // the silent ones stay pending for the whole test
  o.link.handshake_timeout = Millis{60000};
  Node b(loop, member(), o);
  auto addr = SocketAddress::numeric(parse_host_port(b.address).value()).value();
  std::vector<SilentConnection> flood;
  for (int i = 0; i < 6; ++i)
    flood.emplace_back("127.0.0.2", addr);
  ASSERT_TRUE(run_until(loop, [&] { return b.links.stats().connections_refused_source == 3; }));
  auto closed = [&] {
    return std::count_if(flood.begin(), flood.end(),
                         [](const SilentConnection& c) { return c.closed_by_peer(); });
  };
  EXPECT_TRUE(run_until(loop, [&] { return closed() == 3; }));
  EXPECT_EQ(b.links.stats().connections_refused_busy, 0u);
  // A member at another address (127.0.0.1) still gets in while the three others wait.
  Node a(loop, member());
  bool delivered = false;
  b.links.on_receive(Channel::echo, [&](const PublicKey&, ByteView) { delivered = true; });
  a.links.send(b.address, Channel::echo, bytes_of("hi"));
  EXPECT_TRUE(run_until(loop, [&] { return delivered; }));
  EXPECT_EQ(closed(), 3); // the pending three were not dropped to make room
  // Their places come back when they end.
  flood.clear();
  ASSERT_TRUE(run_until(loop, [&] { return b.links.stats().handshakes_failed == 3; }));
  for (int i = 0; i < 3; ++i)
    flood.emplace_back("127.0.0.2", addr);
  auto never = [] { return false; };
  run_until(loop, never, Millis{200});
  EXPECT_EQ(b.links.stats().connections_refused_source, 3u);
  EXPECT_EQ(closed(), 0);
  sync_wait(loop, a.links.shutdown());
  sync_wait(loop, b.links.shutdown());
}

TEST(PeerLinks, ASilentConnectionIsDroppedAtTheHelloDeadline) {
  Loop loop;
  PeerLinksOptions o;
  o.link.hello_timeout = Millis{100};
  o.link.handshake_timeout = Millis{60000};
  Node b(loop, member(), o);
  std::vector<std::error_code> rejected;
  b.links.on_rejected([&](const std::string&, std::error_code ec) { rejected.push_back(ec); });
  auto addr = SocketAddress::numeric(parse_host_port(b.address).value()).value();
  SilentConnection silent("127.0.0.1", addr);
  auto started = Loop::hrtime_ns();
  auto rejected_once = [&] { return rejected.size() == 1; };
  ASSERT_TRUE(run_until(loop, rejected_once, Millis{30000}));
  EXPECT_EQ(rejected[0], errc::handshake_timeout);
  EXPECT_LT(Loop::hrtime_ns() - started, 30'000'000'000u); // far from the handshake's 60 s
  EXPECT_TRUE(run_until(loop, [&] { return silent.closed_by_peer(); }));
  sync_wait(loop, b.links.shutdown());
}

TEST(PeerLinks, AHandshakeMayTakeLongerThanTheHelloDeadlineOnceHelloCame) {
  Loop loop;
  PeerLinksOptions o;
  o.link.hello_timeout = Millis{100};
  o.link.handshake_timeout = Millis{60000};
  Node b(loop, member(), o);
  std::vector<std::error_code> rejected;
  b.links.on_rejected([&](const std::string&, std::error_code ec) { rejected.push_back(ec); });
  auto addr = SocketAddress::numeric(parse_host_port(b.address).value()).value();
  Credentials creds = member();
  EXPECT_TRUE(sync_wait(loop, slow_initiator(loop, addr, creds, Millis{400})));
  EXPECT_TRUE(run_until(loop, [&] { return b.links.stats().handshakes_ok == 1; }));
  EXPECT_TRUE(rejected.empty()) << rejected[0].message();
  sync_wait(loop, b.links.shutdown());
}
