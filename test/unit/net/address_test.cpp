#include <gtest/gtest.h>

#include "ppp2p/net/address.hpp"
#include "ppp2p/net/error.hpp"
#include "ppp2p/net/loop.hpp"
#include "ppp2p/net/sync_wait.hpp"

using namespace ppp2p::net;

TEST(Address, ParsesHostAndPort) {
  auto hp = parse_host_port("127.0.0.1:20001");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "127.0.0.1");
  EXPECT_EQ(hp->port, 20001);
  EXPECT_EQ(hp->to_string(), "127.0.0.1:20001");
  EXPECT_EQ(parse_host_port("localhost:0")->port, 0);
}

TEST(Address, ParsesBracketedIpv6) {
  auto hp = parse_host_port("[::1]:7");
  ASSERT_TRUE(hp.ok());
  EXPECT_EQ(hp->host, "::1");
  EXPECT_EQ(hp->to_string(), "[::1]:7");
}

TEST(Address, RejectsMalformedText) {
  for (const char* bad : {"", ":", "host", "host:", ":80", "h:65536", "h:-1", "h:8x", "::1:80",
                          "[::1]80", "[::1]:", "h:123456", "h: 80"})
    EXPECT_EQ(parse_host_port(bad).error(), errc::bad_address) << bad;
}

TEST(Address, NumericAndResolved) {
  auto a = SocketAddress::numeric({"127.0.0.1", 5});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->to_string(), "127.0.0.1:5");
  EXPECT_FALSE(SocketAddress::numeric({"localhost", 5}).ok());
  Loop loop;
  auto r = sync_wait(loop, resolve(loop, {"localhost", 9}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->port(), 9);
}
