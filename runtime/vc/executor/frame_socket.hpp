// Size-prefixed frames (4-byte little-endian length, then the payload) over a stream socket,
// with blocking I/O (blocking_socket.hpp): the executor link on both of its ends. Thread-safe for
// one reader and any number of writers.
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "vc/executor/executor_protocol.hpp"

namespace ppp2p::detail {

inline constexpr std::size_t kMaxExecutorFrame = executor_wire::kMaxFrame;

class FrameSocket {
public:
  explicit FrameSocket(int fd) : fd_(fd) {}
  ~FrameSocket();
  FrameSocket(const FrameSocket&) = delete;
  FrameSocket& operator=(const FrameSocket&) = delete;

  int fd() const noexcept { return fd_; }

  /// Sends one frame; false if the other end is gone.
  bool send(std::span<const std::byte> payload);

  /// The next frame; nothing at end of stream, on an error, or for a frame over the limit
  /// (then the link must be dropped: framing is lost).
  std::optional<std::vector<std::byte>> receive();

  /// Reads what is available without blocking (after poll() said so) and returns the whole
  /// frames it completes; `closed` is set at end of stream or on a bad frame.
  std::vector<std::vector<std::byte>> receive_available(bool& closed);

  /// Closes the descriptor (unblocking a reader on the other end).
  void close();

private:
  int fd_;
  std::mutex write_mutex_;
  std::vector<std::byte> pending_; // bytes of incomplete frames (receive_available)
};

} // namespace ppp2p::detail
