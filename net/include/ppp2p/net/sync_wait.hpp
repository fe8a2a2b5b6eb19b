// sync_wait: runs a loop until one task finishes and returns its value (or rethrows).
// For main() and tests; code already inside a coroutine co_awaits instead.
#pragma once

#include <optional>
#include <stdexcept>
#include <type_traits>

#include "ppp2p/net/loop.hpp"
#include "ppp2p/net/task.hpp"

namespace ppp2p::net {

namespace detail {
struct SyncWaitRunner {
  struct promise_type {
    SyncWaitRunner get_return_object() noexcept {
      return {std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_always initial_suspend() const noexcept { return {}; }
    std::suspend_always final_suspend() const noexcept { return {}; }
    void return_void() const noexcept {}
    void unhandled_exception() noexcept { error = std::current_exception(); }
    std::exception_ptr error;
  };
  std::coroutine_handle<promise_type> h;
};
} // namespace detail

template <class T> T sync_wait(Loop& loop, task<T> t) {
  using Stored = std::conditional_t<std::is_void_v<T>, bool, T>;
  std::optional<Stored> out;
  auto runner = [](task<T> inner, std::optional<Stored>& result) -> detail::SyncWaitRunner {
    if constexpr (std::is_void_v<T>) {
      co_await std::move(inner);
      result.emplace(true);
    } else {
      result.emplace(co_await std::move(inner));
    }
  }(std::move(t), out);
  runner.h.resume();
  while (!runner.h.done()) {
    if (!loop.run_once() && !runner.h.done()) {
      runner.h.destroy();
      throw std::logic_error("sync_wait: the loop ran out of work before the task finished");
    }
  }
  std::exception_ptr error = runner.h.promise().error;
  runner.h.destroy();
  if (error)
    std::rethrow_exception(error);
  if constexpr (!std::is_void_v<T>)
    return std::move(*out);
}

} // namespace ppp2p::net
