// task<T>: a lazy coroutine that produces one T (modelled on cppcoro::task).
//
// A task does nothing until it is awaited. Awaiting it starts it; when it finishes, its final
// awaiter transfers control straight to the awaiting coroutine (symmetric transfer), so long
// chains of tasks that complete synchronously do not grow the stack. An exception escaping
// the body is stored and rethrown in the awaiter. A task is move-only and owns its frame.
#pragma once

#include <cassert>
#include <coroutine>
#include <exception>
#include <type_traits>
#include <utility>
#include <variant>

namespace ppp2p::net {

template <class T = void> class task;

namespace detail {

struct TaskFinalAwaiter {
  bool await_ready() const noexcept { return false; }
  template <class Promise>
  std::coroutine_handle<> await_suspend(std::coroutine_handle<Promise> self) noexcept {
    std::coroutine_handle<> next = self.promise().continuation;
    return next ? next : std::noop_coroutine();
  }
  void await_resume() const noexcept {}
};

struct TaskPromiseBase {
  std::coroutine_handle<> continuation;

  std::suspend_always initial_suspend() const noexcept { return {}; }
  TaskFinalAwaiter final_suspend() const noexcept { return {}; }
};

template <class T> struct TaskPromise : TaskPromiseBase {
  std::variant<std::monostate, T, std::exception_ptr> result;

  task<T> get_return_object() noexcept;
  void unhandled_exception() noexcept { result.template emplace<2>(std::current_exception()); }
  template <class U>
  requires std::is_convertible_v<U&&, T>
  void return_value(U&& value) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
    result.template emplace<1>(std::forward<U>(value));
  }
  T take() {
    if (result.index() == 2)
      std::rethrow_exception(std::get<2>(result));
    assert(result.index() == 1 && "task finished without a value");
    return std::move(std::get<1>(result));
  }
};

template <> struct TaskPromise<void> : TaskPromiseBase {
  std::exception_ptr exception;

  task<void> get_return_object() noexcept;
  void unhandled_exception() noexcept { exception = std::current_exception(); }
  void return_void() const noexcept {}
  void take() const {
    if (exception)
      std::rethrow_exception(exception);
  }
};

} // namespace detail

template <class T> class [[nodiscard]] task {
  static_assert(!std::is_reference_v<T>, "task<T&> is not supported; return a pointer");

public:
  using promise_type = detail::TaskPromise<T>;
  using handle_type = std::coroutine_handle<promise_type>;

  task() noexcept = default;
  explicit task(handle_type h) noexcept : h_(h) {}
  task(task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  task& operator=(task&& other) noexcept {
    if (this != &other) {
      reset();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  task(const task&) = delete;
  task& operator=(const task&) = delete;
  ~task() { reset(); }

  bool valid() const noexcept { return static_cast<bool>(h_); }
  bool done() const noexcept { return !h_ || h_.done(); }

  auto operator co_await() && noexcept {
    struct Awaiter {
      handle_type h;
      bool await_ready() const noexcept { return !h || h.done(); }
      std::coroutine_handle<> await_suspend(std::coroutine_handle<> awaiting) noexcept {
        h.promise().continuation = awaiting;
        return h;
      }
      T await_resume() {
        assert(h && "awaiting an empty task");
        return h.promise().take();
      }
    };
    return Awaiter{h_};
  }

  // For drivers (sync_wait, spawn): releases the frame to the caller, who must destroy it.
  handle_type release() noexcept { return std::exchange(h_, {}); }

private:
  void reset() noexcept {
    if (h_)
      std::exchange(h_, {}).destroy();
  }
  handle_type h_;
};

namespace detail {
template <class T> task<T> TaskPromise<T>::get_return_object() noexcept {
  return task<T>{std::coroutine_handle<TaskPromise<T>>::from_promise(*this)};
}
inline task<void> TaskPromise<void>::get_return_object() noexcept {
  return task<void>{std::coroutine_handle<TaskPromise<void>>::from_promise(*this)};
}
} // namespace detail

} // namespace ppp2p::net
