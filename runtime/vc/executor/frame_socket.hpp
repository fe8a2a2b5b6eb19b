// Size-prefixed frames (4-byte little-endian length, then the payload) over a stream socket,
// with blocking I/O (blocking_socket.hpp): the executor link on both of its ends. Thread-safe for
// one reader and any number of writers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "vc/executor/executor_protocol.hpp"

namespace ppp2p::detail {

class FrameSocket {
public:
  explicit FrameSocket(int fd) : fd_(fd) {}
  ~FrameSocket();
  FrameSocket(const FrameSocket&) = delete;
  FrameSocket& operator=(const FrameSocket&) = delete;

  int fd() const noexcept { return fd_; }

  /// Sends one frame; false if the other end is gone. While corked, the frame is gathered
  /// with others (from any thread, in order) and leaves at uncork().
  bool send(std::span<const std::byte> payload);

  /// Gathers sent frames until uncork(), so that a burst leaves in one system call (the
  /// embedded peer corks its executors' links while it handles a batch of their events).
  /// Over kCorkedBytes gathered, they leave at once.
  void cork();
  /// Sends what was gathered; false if the other end is gone.
  bool uncork();

  /// The next frame; nothing at end of stream, on an error, or for a frame over the limit
  /// (then the link must be dropped: framing is lost).
  std::optional<std::vector<std::byte>> receive();

  /// The whole frames read before (by receive()) and not returned yet, or else what one read()
  /// completes: call it when poll() says the socket is readable or has_buffered_frame() is
  /// true. `closed` is set at end of stream or on a bad frame.
  std::vector<std::vector<std::byte>> receive_available(bool& closed);

  /// True if a whole frame was read and is not returned yet (poll() cannot see it).
  bool has_buffered_frame() const;

  /// Closes the descriptor (unblocking a reader on the other end).
  void close();

private:
  /// The length the next frame header in pending_ announces, once its 4 bytes are there.
  std::optional<std::uint32_t> next_frame_length() const;
  /// The next whole frame in pending_, if there is one; `bad` is set for a frame over the limit.
  std::optional<std::vector<std::byte>> take_frame(bool& bad);
  /// Writes and clears out_ (write_mutex_ held); false if the other end is gone.
  bool write_out_locked();
  /// Appends what one read() returns (up to 64 KiB) to pending_; false at end of stream.
  bool read_some();

  static constexpr std::size_t kCorkedBytes = 256u << 10;

  int fd_;
  std::mutex write_mutex_;
  bool corked_ = false;        // under write_mutex_
  std::vector<std::byte> out_; // frames gathered while corked, under write_mutex_
  // Bytes read and not yet returned as frames, from pending_at_ on: frames are read many per
  // read() when they queue up (a stream of messages), not with two read()s each.
  std::vector<std::byte> pending_;
  std::size_t pending_at_ = 0;
};

} // namespace ppp2p::detail
