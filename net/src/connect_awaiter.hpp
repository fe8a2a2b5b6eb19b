// Private: awaits one uv_connect_t request, for TCP and Unix sockets alike.
#pragma once

#include <coroutine>
#include <uv.h>

namespace ppp2p::net::detail {

// start(req, callback) issues the request and returns 0 or a libuv error; co_await yields the
// request's status (0 = connected).
template <class Start> struct ConnectAwaiter {
  Start start;
  uv_connect_t req{};
  std::coroutine_handle<> handle;
  int status = 0;

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) noexcept {
    handle = h;
    req.data = this;
    status = start(&req, [](uv_connect_t* r, int st) {
      auto* self = static_cast<ConnectAwaiter*>(r->data);
      self->status = st;
      self->handle.resume();
    });
    return status == 0;
  }
  int await_resume() const noexcept { return status; }
};

template <class Start> ConnectAwaiter(Start) -> ConnectAwaiter<Start>;

} // namespace ppp2p::net::detail
