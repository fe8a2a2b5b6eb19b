#include "vc/executor/frame_socket.hpp"

#include "vc/framing/blocking_socket.hpp"

#include <unistd.h>

#include <cerrno>

namespace ppp2p::detail {

namespace bs = blocking_socket;

FrameSocket::~FrameSocket() {
  close();
}

void FrameSocket::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool FrameSocket::send(std::span<const std::byte> payload) {
  if (payload.size() > kMaxExecutorFrame)
    return false;
  auto header = bs::frame_header(std::uint32_t(payload.size()));
  std::lock_guard lock(write_mutex_);
  return bs::send_all(fd_, header) && bs::send_all(fd_, payload);
}

std::optional<std::vector<std::byte>> FrameSocket::receive() {
  std::string error;
  return bs::receive_frame(fd_, kMaxExecutorFrame, error);
}

std::vector<std::vector<std::byte>> FrameSocket::receive_available(bool& closed) {
  std::vector<std::vector<std::byte>> frames;
  std::byte buffer[65536];
  ssize_t n;
  do {
    n = ::read(fd_, buffer, sizeof buffer);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    closed = true;
    return frames;
  }
  pending_.insert(pending_.end(), buffer, buffer + n);
  std::size_t at = 0;
  while (pending_.size() - at >= bs::kFrameHeader) {
    std::uint32_t size = bs::frame_length(
        std::span<const std::byte, bs::kFrameHeader>(pending_.data() + at, bs::kFrameHeader));
    if (size > kMaxExecutorFrame) {
      closed = true;
      break;
    }
    if (pending_.size() - at - bs::kFrameHeader < size)
      break;
    auto begin = pending_.begin() + std::ptrdiff_t(at + bs::kFrameHeader);
    frames.emplace_back(begin, begin + std::ptrdiff_t(size));
    at += bs::kFrameHeader + size;
  }
  pending_.erase(pending_.begin(), pending_.begin() + std::ptrdiff_t(at));
  return frames;
}

} // namespace ppp2p::detail
