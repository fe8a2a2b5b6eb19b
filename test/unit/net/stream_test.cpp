#include <gtest/gtest.h>

#include <numeric>
#include <sys/stat.h>
#include <unistd.h>

#include "net_test_util.hpp"
#include "ppp2p/net/error.hpp"
#include "ppp2p/net/pipe.hpp"
#include "ppp2p/net/task_scope.hpp"
#include "ppp2p/net/timer.hpp"

using namespace ppp2p::net;
using namespace ppp2p::net::testing;

TEST(TcpStream, BytesSentArriveInOrder) {
  Loop loop;
  auto [client, server] = tcp_pair(loop);
  ASSERT_TRUE(client->send(bytes_of("hello ")).ok());
  ASSERT_TRUE(client->send(bytes_of("world")).ok());
  auto got = sync_wait(loop, [](Stream& s) -> task<std::string> {
    auto r = co_await s.fill(11);
    EXPECT_TRUE(r.ok());
    auto view = s.buffered();
    std::string text(view.begin(), view.begin() + 11);
    s.consume(11);
    co_return text;
  }(*server));
  EXPECT_EQ(got, "hello world");
  EXPECT_TRUE(server->buffered().empty());
}

TEST(TcpStream, FillReportsConnectionClosedAtEndOfStream) {
  Loop loop;
  auto [client, server] = tcp_pair(loop);
  ASSERT_TRUE(client->send(bytes_of("abc")).ok());
  auto r = sync_wait(loop, [](Stream& c, Stream& s) -> task<Result<void>> {
    (void)co_await c.drained();
    c.close();
    co_return co_await s.fill(10);
  }(*client, *server));
  EXPECT_EQ(r.error(), errc::connection_closed);
  EXPECT_EQ(server->buffered().size(), 3u); // what arrived is still there
}

TEST(TcpStream, CloseCancelsAWaitingReader) {
  Loop loop;
  auto [client, server] = tcp_pair(loop);
  Timer t(loop);
  t.start(Millis{1}, [&, s = server.get()] { s->close(); });
  auto r = sync_wait(
      loop, [](Stream& s) -> task<Result<void>> { co_return co_await s.fill(1); }(*server));
  EXPECT_EQ(r.error(), errc::cancelled);
  EXPECT_FALSE(server->send(bytes_of("x")).ok());
}

TEST(TcpStream, LargeTransferWithBackPressure) {
  // 16 MiB through a reader that only reads ahead 64 KiB: the writer must wait on drained().
  Loop loop;
  auto [client, server] = tcp_pair(loop);
  server->set_read_ahead(64 * 1024);
  static constexpr std::size_t kTotal = 16u << 20, kChunk = 100'000;
  TaskScope scope;
  scope.spawn([](Stream& c) -> task<void> {
    std::size_t sent = 0;
    std::uint8_t v = 0;
    while (sent < kTotal) {
      Bytes chunk(std::min(kChunk, kTotal - sent));
      for (auto& b : chunk)
        b = v++;
      sent += chunk.size();
      EXPECT_TRUE(c.send(std::move(chunk)).ok());
      EXPECT_TRUE((co_await c.drained(1 << 20)).ok());
    }
  }(*client));
  auto received = sync_wait(loop, [](Stream& s) -> task<std::size_t> {
    std::size_t got = 0;
    std::uint8_t v = 0;
    bool in_order = true;
    while (got < kTotal) {
      if (!(co_await s.fill(1)).ok())
        break;
      auto view = s.buffered();
      for (auto b : view)
        in_order &= (b == v++);
      got += view.size();
      s.consume(view.size());
    }
    EXPECT_TRUE(in_order);
    co_return got;
  }(*server));
  sync_wait(loop, scope.join());
  EXPECT_EQ(received, kTotal);
}

TEST(TcpStream, ConnectToAClosedPortFails) {
  Loop loop;
  std::uint16_t port;
  {
    auto l = TcpListener::bind(loop, loopback()).value();
    port = l->local()->port();
  }
  auto r = sync_wait(loop, TcpStream::connect(loop, loopback(port)));
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error(), std::errc::connection_refused);
}

TEST(TcpListener, BindingABusyPortFails) {
  Loop loop;
  auto first = TcpListener::bind(loop, loopback()).value();
  auto second = TcpListener::bind(loop, loopback(first->local()->port()));
  EXPECT_EQ(second.error(), std::errc::address_in_use);
}

TEST(TcpListener, CloseCancelsAccept) {
  Loop loop;
  auto l = TcpListener::bind(loop, loopback()).value();
  Timer t(loop);
  t.start(Millis{1}, [&] { l->close(); });
  auto r = sync_wait(loop, [](TcpListener& lis) -> task<bool> {
    auto s = co_await lis.accept();
    co_return s.error() == errc::cancelled;
  }(*l));
  EXPECT_TRUE(r);
}

TEST(Loop, NothingIsLeftOpenAfterStreamsGo) {
  Loop loop;
  {
    auto [client, server] = tcp_pair(loop);
    ASSERT_TRUE(client->send(bytes_of("x")).ok());
  }
  loop.run();
  EXPECT_EQ(loop.open_handles(), 0u);
}

TEST(PipeStream, OwnerOnlySocketCarriesBytes) {
  Loop loop;
  char dir_template[] = "/tmp/ppp2p-pipe-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string path = std::string(dir_template) + "/s.sock";
  {
    auto l = PipeListener::bind(loop, path).value();
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    auto got = sync_wait(loop, [](Loop& lp, PipeListener& lis, std::string p) -> task<std::string> {
      auto c = co_await PipeStream::connect(lp, p);
      EXPECT_TRUE(c.ok());
      auto s = co_await lis.accept();
      EXPECT_TRUE(s.ok());
      EXPECT_TRUE((*c)->send(bytes_of("status?")).ok());
      EXPECT_TRUE((co_await (*s)->fill(7)).ok());
      auto v = (*s)->buffered();
      co_return std::string(v.begin(), v.end());
    }(loop, *l, path));
    EXPECT_EQ(got, "status?");
  }
  ::unlink(path.c_str());
  ::rmdir(dir_template);
}

TEST(PipeListener, RejectsPathsLongerThanTheKernelAllows) {
  Loop loop;
  auto r = PipeListener::bind(loop, "/tmp/" + std::string(200, 'x'));
  EXPECT_EQ(r.error(), std::errc::filename_too_long);
}
