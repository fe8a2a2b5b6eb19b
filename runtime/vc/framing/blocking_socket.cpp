#include "vc/framing/blocking_socket.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>

namespace ppp2p::detail::blocking_socket {

bool send_all(int fd, std::span<const std::byte> bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    bytes = bytes.subspan(std::size_t(n));
  }
  return true;
}

bool send_frame(int fd, std::span<const std::byte> payload) {
  auto header = frame_header(std::uint32_t(payload.size()));
  iovec parts[2] = {{header.data(), header.size()},
                    {const_cast<std::byte*>(payload.data()), payload.size()}};
  msghdr message{};
  message.msg_iov = parts;
  message.msg_iovlen = 2;
  ssize_t n;
  do {
    n = ::sendmsg(fd, &message, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n <= 0)
    return false;
  // A partial write: the rest goes as send_all sends.
  auto sent = std::size_t(n);
  if (sent < header.size())
    return send_all(fd, std::span(header).subspan(sent)) && send_all(fd, payload);
  return send_all(fd, payload.subspan(sent - header.size()));
}

bool receive_exact(int fd, std::span<std::byte> out, Deadline deadline, bool* timed_out) {
  while (!out.empty()) {
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        if (timed_out)
          *timed_out = true;
        return false;
      }
      pollfd ready{fd, POLLIN, 0};
      int r = ::poll(&ready, 1, int(std::min<long>(left.count(), 1 << 30)));
      if (r <= 0)
        continue; // interrupted, or the deadline (checked above) may have passed
    }
    ssize_t n = ::read(fd, out.data(), out.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return false;
    out = out.subspan(std::size_t(n));
  }
  return true;
}

std::array<std::byte, kFrameHeader> frame_header(std::uint32_t size) {
  std::array<std::byte, kFrameHeader> header;
  for (std::size_t i = 0; i < kFrameHeader; ++i)
    header[i] = std::byte((size >> (8 * i)) & 0xff);
  return header;
}

std::uint32_t frame_length(std::span<const std::byte, kFrameHeader> header) {
  std::uint32_t size = 0;
  for (std::size_t i = kFrameHeader; i-- > 0;)
    size = (size << 8) | std::uint32_t(header[i]);
  return size;
}

std::optional<std::vector<std::byte>> receive_frame(int fd, std::size_t max_size,
                                                    std::string& error, Deadline deadline,
                                                    bool* timed_out) {
  std::array<std::byte, kFrameHeader> header;
  if (!receive_exact(fd, header, deadline, timed_out)) {
    error = "closed the connection";
    return std::nullopt;
  }
  std::uint32_t size = frame_length(header);
  if (size > max_size) {
    error = "sent a frame of " + std::to_string(size) + " bytes, over the limit of " +
            std::to_string(max_size);
    return std::nullopt;
  }
  std::vector<std::byte> payload(size);
  if (!receive_exact(fd, payload, deadline, timed_out)) {
    error = "closed the connection inside a frame";
    return std::nullopt;
  }
  return payload;
}

} // namespace ppp2p::detail::blocking_socket
