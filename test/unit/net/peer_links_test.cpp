#include <gtest/gtest.h>

#include "net_test_util.hpp"
#include "ppp2p/net/error.hpp"
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
