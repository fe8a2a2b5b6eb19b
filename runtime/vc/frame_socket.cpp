#include "frame_socket.hpp"

#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

namespace ppp2p::detail {
namespace {

std::uint32_t read_length(const std::byte* p) {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | std::uint32_t(p[i]);
  return v;
}

} // namespace

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
  std::byte header[4];
  auto size = std::uint32_t(payload.size());
  for (int i = 0; i < 4; ++i)
    header[i] = std::byte((size >> (8 * i)) & 0xff);
  std::lock_guard lock(write_mutex_);
  const std::byte* parts[2] = {header, payload.data()};
  std::size_t sizes[2] = {4, payload.size()};
  for (int part = 0; part < 2; ++part) {
    std::size_t done = 0;
    while (done < sizes[part]) {
      ssize_t n = ::send(fd_, parts[part] + done, sizes[part] - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      done += std::size_t(n);
    }
  }
  return true;
}

bool FrameSocket::read_exact(std::byte* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd_, out + done, size - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    done += std::size_t(n);
  }
  return true;
}

std::optional<std::vector<std::byte>> FrameSocket::receive() {
  std::byte header[4];
  if (!read_exact(header, 4))
    return std::nullopt;
  std::uint32_t size = read_length(header);
  if (size > kMaxExecutorFrame)
    return std::nullopt;
  std::vector<std::byte> payload(size);
  if (!read_exact(payload.data(), size))
    return std::nullopt;
  return payload;
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
  while (pending_.size() - at >= 4) {
    std::uint32_t size = read_length(pending_.data() + at);
    if (size > kMaxExecutorFrame) {
      closed = true;
      break;
    }
    if (pending_.size() - at - 4 < size)
      break;
    frames.emplace_back(pending_.begin() + std::ptrdiff_t(at + 4),
                        pending_.begin() + std::ptrdiff_t(at + 4 + size));
    at += 4 + size;
  }
  pending_.erase(pending_.begin(), pending_.begin() + std::ptrdiff_t(at));
  return frames;
}

} // namespace ppp2p::detail
