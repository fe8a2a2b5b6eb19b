// Stream: a connected byte stream (TCP or Unix socket) driven by coroutines.
//
// Reading: the stream reads ahead into its own buffer; fill(n) waits until n bytes are
// buffered, buffered() shows them and consume(n) drops them. Framed protocols parse in place,
// without copying. Reading pauses while the buffer holds more than the read-ahead limit and
// nobody waits for more, which gives back-pressure to the sender.
//
// Writing: send() starts writing at once (the stream owns the bytes until written), so the
// order of send() calls is the order on the wire; drained(n) waits until at most n bytes are
// still queued.
//
// close() (or destruction) stops everything; a coroutine waiting in fill() or drained()
// resumes from the loop with errc::cancelled.
#pragma once

#include <coroutine>
#include <cstddef>

#include "ppp2p/net/bytes.hpp"
#include "ppp2p/net/result.hpp"

struct uv_stream_s;

namespace ppp2p::net {

class Loop;

class Stream {
public:
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  virtual ~Stream();

  struct State;

  struct [[nodiscard]] FillAwaiter {
    State* state;
    std::size_t want;
    std::coroutine_handle<> handle = {};
    bool await_ready() const noexcept;
    bool await_suspend(std::coroutine_handle<> h) noexcept;
    Result<void> await_resume() const noexcept;
  };
  // Waits until at least n bytes are buffered. Fails with errc::connection_closed when the
  // peer ends the stream first, errc::cancelled after close(), or the socket's error.
  FillAwaiter fill(std::size_t n) noexcept { return {state_, n}; }
  ByteView buffered() const noexcept;
  void consume(std::size_t n) noexcept;
  // The most bytes read ahead while nobody asks for more (default 256 KiB).
  void set_read_ahead(std::size_t bytes) noexcept;

  // Starts writing bytes; fails if the stream is closed or a write already failed.
  Result<void> send(Bytes bytes);
  std::size_t queued_bytes() const noexcept;

  struct [[nodiscard]] DrainAwaiter {
    State* state;
    std::size_t low_water;
    std::coroutine_handle<> handle = {};
    bool await_ready() const noexcept;
    void await_suspend(std::coroutine_handle<> h) noexcept;
    Result<void> await_resume() const noexcept;
  };
  // Waits until at most low_water bytes are queued for writing.
  DrainAwaiter drained(std::size_t low_water = 0) noexcept { return {state_, low_water}; }

  void close() noexcept;
  bool is_open() const noexcept;

protected:
  enum class Kind { tcp, pipe };
  Stream(Loop& loop, Kind kind);
  uv_stream_s* uv_stream() const noexcept;
  // Called once the handle is connected (or accepted): enables reading.
  void mark_connected() noexcept;

  State* state_;

  friend class Listener;
};

} // namespace ppp2p::net
