// Blocking frames over a stream socket (runtime/vc/framing/blocking_socket.hpp), as the executor
// link (FrameSocket, which reads frames many per read()) and the client's link to its agent use
// them.
#include "vc/executor/frame_socket.hpp"
#include "vc/framing/blocking_socket.hpp"

#include <gtest/gtest.h>

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace bs = ppp2p::detail::blocking_socket;

namespace {

struct SocketPair {
  SocketPair() { EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fd), 0); }
  ~SocketPair() {
    for (int f : fd)
      if (f >= 0)
        close(f);
  }
  int fd[2] = {-1, -1};
};

std::vector<std::byte> bytes(std::string_view text) {
  auto view = std::as_bytes(std::span(text));
  return {view.begin(), view.end()};
}

} // namespace

TEST(BlockingSocket, AFrameCrossesWhole) {
  SocketPair s;
  auto payload = bytes("a frame");
  ASSERT_TRUE(bs::send_all(s.fd[0], bs::frame_header(std::uint32_t(payload.size()))));
  ASSERT_TRUE(bs::send_all(s.fd[0], payload));
  std::string error;
  auto got = bs::receive_frame(s.fd[1], 1024, error);
  ASSERT_TRUE(got) << error;
  EXPECT_EQ(*got, payload);
  EXPECT_EQ(bs::frame_length(bs::frame_header(0x01020304)), 0x01020304u);
}

TEST(BlockingSocket, AFrameOverTheLimitIsRefusedNamingBoth) {
  SocketPair s;
  ASSERT_TRUE(bs::send_all(s.fd[0], bs::frame_header(100)));
  std::string error;
  EXPECT_FALSE(bs::receive_frame(s.fd[1], 10, error));
  EXPECT_EQ(error, "sent a frame of 100 bytes, over the limit of 10");
}

TEST(BlockingSocket, AnEndOrADeadlineEndsTheWait) {
  SocketPair s;
  std::string error;
  bool timed_out = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  EXPECT_FALSE(bs::receive_frame(s.fd[1], 1024, error, deadline, &timed_out));
  EXPECT_TRUE(timed_out);

  ASSERT_TRUE(bs::send_all(s.fd[0], bs::frame_header(8)));
  ASSERT_TRUE(bs::send_all(s.fd[0], bytes("half")));
  close(s.fd[0]);
  s.fd[0] = -1;
  timed_out = false;
  EXPECT_FALSE(bs::receive_frame(s.fd[1], 1024, error));
  EXPECT_EQ(error, "closed the connection inside a frame");
  EXPECT_FALSE(bs::receive_frame(s.fd[1], 1024, error));
  EXPECT_EQ(error, "closed the connection");
  EXPECT_FALSE(bs::send_all(s.fd[1], bytes("to nobody"))) << "no SIGPIPE, just false";
}

TEST(BlockingSocket, SendFrameWritesHeaderAndPayloadAcrossPartialWrites) {
  SocketPair s;
  // Larger than a Unix socket's buffer: sendmsg returns partial writes while the reader drains.
  std::vector<std::byte> payload(3u << 20);
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = std::byte(i * 7 + i / 251);
  std::thread writer([&] { EXPECT_TRUE(bs::send_frame(s.fd[0], payload)); });
  std::string error;
  auto got = bs::receive_frame(s.fd[1], 4u << 20, error);
  writer.join();
  ASSERT_TRUE(got) << error;
  EXPECT_EQ(*got, payload);
}

TEST(FrameSocket, FramesThatArriveTogetherAreReturnedOneByOneThenTheRestWhenItComes) {
  SocketPair s;
  ppp2p::detail::FrameSocket reader(s.fd[1]);
  s.fd[1] = -1; // the FrameSocket closes it
  // Three whole frames and the start of a fourth in one write.
  std::vector<std::byte> burst;
  for (std::string_view text : {"one", "two", "three"}) {
    auto header = bs::frame_header(std::uint32_t(text.size()));
    burst.insert(burst.end(), header.begin(), header.end());
    auto payload = bytes(text);
    burst.insert(burst.end(), payload.begin(), payload.end());
  }
  auto fourth = bytes("fourth frame");
  auto header = bs::frame_header(std::uint32_t(fourth.size()));
  burst.insert(burst.end(), header.begin(), header.end());
  burst.insert(burst.end(), fourth.begin(), fourth.begin() + 3);
  ASSERT_TRUE(bs::send_all(s.fd[0], burst));

  auto first = reader.receive();
  ASSERT_TRUE(first);
  EXPECT_EQ(*first, bytes("one"));
  EXPECT_TRUE(reader.has_buffered_frame()); // read with the first; poll() would not see it
  bool closed = false;
  auto rest = reader.receive_available(closed); // must not block on the empty socket
  EXPECT_FALSE(closed);
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0], bytes("two"));
  EXPECT_EQ(rest[1], bytes("three"));
  EXPECT_FALSE(reader.has_buffered_frame()); // only part of the fourth

  ASSERT_TRUE(bs::send_all(s.fd[0], std::span(fourth).subspan(3)));
  auto last = reader.receive();
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, fourth);
  ::close(s.fd[0]);
  s.fd[0] = -1;
  EXPECT_FALSE(reader.receive()); // end of stream
}

TEST(FrameSocket, AFrameOverTheLimitEndsTheLink) {
  SocketPair s;
  ppp2p::detail::FrameSocket reader(s.fd[1]);
  s.fd[1] = -1;
  ASSERT_TRUE(bs::send_all(
      s.fd[0], bs::frame_header(std::uint32_t(ppp2p::detail::executor_wire::kMaxFrame + 1))));
  EXPECT_FALSE(reader.receive());
}

TEST(FrameSocket, FramesSentWhileCorkedLeaveTogetherAtUncorkInOrder) {
  SocketPair s;
  ppp2p::detail::FrameSocket writer(s.fd[0]);
  s.fd[0] = -1;
  writer.cork();
  ASSERT_TRUE(writer.send(bytes("first")));
  std::thread other([&] { EXPECT_TRUE(writer.send(bytes("second"))); });
  other.join();
  pollfd readable{s.fd[1], POLLIN, 0};
  EXPECT_EQ(poll(&readable, 1, 0), 0) << "nothing leaves while corked";
  ASSERT_TRUE(writer.uncork());
  std::string error;
  auto first = bs::receive_frame(s.fd[1], 1024, error);
  auto second = bs::receive_frame(s.fd[1], 1024, error);
  ASSERT_TRUE(first && second) << error;
  EXPECT_EQ(*first, bytes("first"));
  EXPECT_EQ(*second, bytes("second"));
  ASSERT_TRUE(writer.send(bytes("third"))); // uncorked: at once
  EXPECT_EQ(poll(&readable, 1, 1000), 1);
}

TEST(FrameSocket, ACorkedBurstOverItsBoundLeavesWithoutWaitingForUncork) {
  SocketPair s;
  ppp2p::detail::FrameSocket writer(s.fd[0]);
  s.fd[0] = -1;
  std::vector<std::byte> big(64u << 10, std::byte{7});
  std::atomic<bool> read_all{false};
  std::thread sender([&] {
    writer.cork();
    for (int i = 0; i < 5; ++i) // 320 KiB: past the bound, the gathered frames are written
      EXPECT_TRUE(writer.send(big));
    while (!read_all)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    writer.uncork();
  });
  std::string error;
  for (int i = 0; i < 4; ++i) { // the first four leave before uncork()
    auto frame = bs::receive_frame(s.fd[1], 1u << 20, error,
                                   std::chrono::steady_clock::now() + std::chrono::seconds(10));
    ASSERT_TRUE(frame) << "frame " << i << " held by a corked socket: " << error;
    EXPECT_EQ(frame->size(), big.size());
  }
  read_all = true;
  sender.join();
  auto last = bs::receive_frame(s.fd[1], 1u << 20, error);
  ASSERT_TRUE(last) << error;
  EXPECT_EQ(last->size(), big.size());
}
