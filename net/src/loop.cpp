#include "ppp2p/net/loop.hpp"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <uv.h>

namespace ppp2p::net {

Loop::Loop() : loop_(new uv_loop_t) {
  // A write to a socket the peer closed must fail with EPIPE, not kill the process.
  static const bool sigpipe_ignored = [] {
    std::signal(SIGPIPE, SIG_IGN);
    return true;
  }();
  (void)sigpipe_ignored;
  if (int rc = uv_loop_init(loop_); rc != 0) {
    std::fprintf(stderr, "ppp2p: uv_loop_init failed: %s\n", uv_strerror(rc));
    std::abort();
  }
}

Loop::~Loop() {
  // Anything still open here is a leak of its owner; close it so the loop can be closed.
  uv_walk(
      loop_,
      [](uv_handle_t* h, void*) {
        if (!uv_is_closing(h))
          uv_close(h, nullptr);
      },
      nullptr);
  uv_run(loop_, UV_RUN_DEFAULT);
  if (int rc = uv_loop_close(loop_); rc != 0)
    std::fprintf(stderr, "ppp2p: uv_loop_close: %s\n", uv_strerror(rc));
  delete loop_;
}

void Loop::run() {
  uv_run(loop_, UV_RUN_DEFAULT);
}
bool Loop::run_once() {
  return uv_run(loop_, UV_RUN_ONCE) != 0;
}
bool Loop::run_nowait() {
  return uv_run(loop_, UV_RUN_NOWAIT) != 0;
}
void Loop::stop() {
  uv_stop(loop_);
}
std::uint64_t Loop::now_ms() const noexcept {
  return uv_now(loop_);
}
std::uint64_t Loop::hrtime_ns() noexcept {
  return uv_hrtime();
}

std::size_t Loop::open_handles() const noexcept {
  std::size_t n = 0;
  uv_walk(
      loop_,
      [](uv_handle_t* h, void* arg) {
        if (!uv_is_closing(h))
          ++*static_cast<std::size_t*>(arg);
      },
      &n);
  return n;
}

} // namespace ppp2p::net
