#include <gtest/gtest.h>

#include "net_test_util.hpp"
#include "ppp2p/net/error.hpp"
#include "ppp2p/net/frame.hpp"
#include "ppp2p/net/frame_reader.hpp"
#include "ppp2p/net/task_scope.hpp"

using namespace ppp2p::net;
using namespace ppp2p::net::testing;

TEST(Frame, HeaderIsLittleEndianLength) {
  Bytes f = make_frame(bytes_of("abc"));
  ASSERT_EQ(f.size(), 7u);
  EXPECT_EQ(f[0], 3);
  EXPECT_EQ(f[1], 0);
  EXPECT_EQ(f[2], 0);
  EXPECT_EQ(f[3], 0);
  EXPECT_EQ(read_u32le(f.data()), 3u);
}

TEST(Frame, PeekNeedsAWholeHeaderAndPayload) {
  Bytes f = make_frame(bytes_of("hello"));
  for (std::size_t n = 0; n < f.size(); ++n)
    EXPECT_EQ(peek_frame(ByteView(f).first(n), 100).status, FrameStatus::incomplete) << n;
  auto p = peek_frame(f, 100);
  ASSERT_EQ(p.status, FrameStatus::complete);
  EXPECT_EQ(std::string(p.payload.begin(), p.payload.end()), "hello");
  EXPECT_EQ(p.frame_size(), f.size());
}

TEST(Frame, PeekRejectsOversizedLengthFromTheHeaderAlone) {
  Bytes header(4);
  write_frame_header(header.data(), 101);
  EXPECT_EQ(peek_frame(header, 100).status, FrameStatus::too_large);
  write_frame_header(header.data(), 0xffffffffu);
  EXPECT_EQ(peek_frame(header, ~std::size_t{0}).status, FrameStatus::too_large);
}

TEST(Frame, EmptyPayloadIsAFrame) {
  Bytes f = make_frame({});
  EXPECT_EQ(peek_frame(f, 10).status, FrameStatus::complete);
}

TEST(FrameReader, ReassemblesFramesSentByteByByte) {
  Loop loop;
  auto [client, server] = tcp_pair(loop);
  Bytes wire;
  for (std::string s :
       {std::string("one"), std::string(), std::string("three"), std::string(70'000, 'x')}) {
    Bytes f = make_frame(bytes_of(s));
    wire.insert(wire.end(), f.begin(), f.end());
  }
  TaskScope scope;
  scope.spawn([](Stream& c, Bytes all) -> task<void> {
    for (std::size_t i = 0; i < 200; ++i) // the first bytes one at a time, then the rest
      EXPECT_TRUE(c.send(Bytes{all[i]}).ok());
    EXPECT_TRUE(c.send(Bytes(all.begin() + 200, all.end())).ok());
    (void)co_await c.drained();
    c.close();
  }(*client, wire));
  auto sizes = sync_wait(loop, [](Stream& s) -> task<std::vector<std::size_t>> {
    FrameReader reader(s, 100'000);
    std::vector<std::size_t> out;
    for (;;) {
      auto f = co_await reader.next();
      if (!f) {
        EXPECT_EQ(f.error(), errc::connection_closed);
        break;
      }
      out.push_back(f->size());
    }
    co_return out;
  }(*server));
  sync_wait(loop, scope.join());
  EXPECT_EQ(sizes, (std::vector<std::size_t>{3, 0, 5, 70'000}));
}

TEST(FrameReader, OversizedFrameIsRejectedBeforeItsPayloadArrives) {
  Loop loop;
  auto [client, server] = tcp_pair(loop);
  Bytes header(4);
  write_frame_header(header.data(), 1'000'000);
  ASSERT_TRUE(client->send(header).ok());
  auto r = sync_wait(loop, [](Stream& s) -> task<Result<ByteView>> {
    FrameReader reader(s, 1024);
    co_return co_await reader.next();
  }(*server));
  EXPECT_EQ(r.error(), errc::frame_too_large);
}

TEST(FrameReader, StreamEndingInsideAFrameIsTruncated) {
  Loop loop;
  auto [client, server] = tcp_pair(loop);
  Bytes f = make_frame(bytes_of("0123456789"));
  f.resize(8);
  ASSERT_TRUE(client->send(f).ok());
  auto r = sync_wait(loop, [](Stream& c, Stream& s) -> task<Result<ByteView>> {
    (void)co_await c.drained();
    c.close();
    FrameReader reader(s, 1024);
    co_return co_await reader.next();
  }(*client, *server));
  EXPECT_EQ(r.error(), errc::frame_truncated);
}
