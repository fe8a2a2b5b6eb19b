// Blocking frames over a stream socket (runtime/vc/framing/blocking_socket.hpp), as the executor
// link and the client's link to its agent use them.
#include "vc/framing/blocking_socket.hpp"

#include <gtest/gtest.h>

#include <sys/socket.h>
#include <unistd.h>

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
