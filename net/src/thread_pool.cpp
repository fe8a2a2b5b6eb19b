#include "ppp2p/net/thread_pool.hpp"

#include <coroutine>
#include <exception>
#include <uv.h>

#include "ppp2p/net/loop.hpp"

namespace ppp2p::net {

namespace {

struct PoolAwaiter {
  Loop& loop;
  std::function<void()> fn;
  uv_work_t req{};
  std::coroutine_handle<> waiting;
  std::exception_ptr error;

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) {
    waiting = h;
    req.data = this;
    int rc = uv_queue_work(
        loop.uv(), &req,
        [](uv_work_t* r) {
          auto* self = static_cast<PoolAwaiter*>(r->data);
          try {
            self->fn();
          } catch (...) {
            self->error = std::current_exception();
          }
        },
        [](uv_work_t* r, int) { static_cast<PoolAwaiter*>(r->data)->waiting.resume(); });
    if (rc == 0)
      return true;
    try { // cannot queue: run it here
      fn();
    } catch (...) {
      error = std::current_exception();
    }
    return false;
  }
  void await_resume() const {
    if (error)
      std::rethrow_exception(error);
  }
};

} // namespace

task<void> run_in_pool(Loop& loop, std::function<void()> fn) {
  co_await PoolAwaiter{loop, std::move(fn)};
}

} // namespace ppp2p::net
