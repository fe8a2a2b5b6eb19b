// Listener: the accepting side of TCP and Unix sockets. accept() waits for the next
// connection; connections not yet accepted wait in the kernel's backlog.
#pragma once

#include <coroutine>
#include <functional>
#include <memory>

#include "ppp2p/net/result.hpp"
#include "ppp2p/net/stream.hpp"
#include "ppp2p/net/task.hpp"

namespace ppp2p::net {

class Listener {
public:
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  virtual ~Listener();

  struct State;
  struct [[nodiscard]] AcceptAwaiter {
    Listener* listener;
    std::coroutine_handle<> handle = {};
    bool await_ready() const noexcept;
    void await_suspend(std::coroutine_handle<> h) noexcept;
    Result<std::unique_ptr<Stream>> await_resume();
  };
  // Waits for the next connection. errc::cancelled after close().
  AcceptAwaiter accept() noexcept { return {this}; }

  // Stops listening; a coroutine waiting in accept() resumes from the loop.
  void close() noexcept;

protected:
  Listener(Loop& loop, bool tcp);
  Result<void> listen(int backlog);
  uv_stream_s* uv_stream() const noexcept;
  // A fresh, unconnected stream of the listener's kind to accept into.
  virtual std::unique_ptr<Stream> make_stream() = 0;
  // Socket options for an accepted stream.
  virtual void configure(Stream&) {}

  Loop& loop_;
  State* state_;
};

// Accepts connections until the listener is closed, handing each to on_stream. An accept that
// fails otherwise (out of file descriptors, say) is retried after a short pause, so that a
// server outlives a burst of connections instead of stopping.
task<void> accept_each(Loop& loop, Listener& listener,
                       std::function<void(std::unique_ptr<Stream>)> on_stream);

} // namespace ppp2p::net
