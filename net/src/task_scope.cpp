#include "ppp2p/net/task_scope.hpp"

#include <cstdio>
#include <cstdlib>

namespace ppp2p::net {

// The frame of a spawned task's driver: starts eagerly, frees itself at the end, and hands
// control to the joiner when it was the last one (symmetric transfer, no nested resume).
struct TaskScope::Runner {
  struct promise_type {
    // A promise may see the coroutine's arguments: that is how it learns its scope.
    promise_type(TaskScope* s, task<void>&) noexcept : scope(s) {}

    TaskScope* scope;

    Runner get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() const noexcept { return {}; }
    auto final_suspend() const noexcept {
      struct Final {
        bool await_ready() const noexcept { return false; }
        std::coroutine_handle<> await_suspend(std::coroutine_handle<promise_type> self) noexcept {
          TaskScope* s = self.promise().scope;
          self.destroy();
          if (s->active_ == 0 && s->joiner_)
            return std::exchange(s->joiner_, {});
          return std::noop_coroutine();
        }
        void await_resume() const noexcept {}
      };
      return Final{};
    }
    void return_void() const noexcept {}
    void unhandled_exception() const noexcept { std::abort(); } // run() catches everything
  };
};

TaskScope::~TaskScope() {
  if (active_ != 0) {
    std::fprintf(stderr, "ppp2p: TaskScope destroyed with %zu running tasks\n", active_);
    std::abort();
  }
}

void TaskScope::spawn(task<void> t) {
  ++active_;
  run(this, std::move(t));
}

TaskScope::Runner TaskScope::run(TaskScope* scope, task<void> t) {
  std::exception_ptr error;
  try {
    co_await std::move(t);
  } catch (...) {
    error = std::current_exception();
  }
  scope->finished(error);
}

void TaskScope::finished(std::exception_ptr error) noexcept {
  --active_;
  if (error) {
    if (on_error_)
      on_error_(error);
    else if (!first_error_)
      first_error_ = error;
  }
}

task<void> TaskScope::join() {
  if (active_ != 0) {
    struct Wait {
      TaskScope* scope;
      bool await_ready() const noexcept { return scope->active_ == 0; }
      void await_suspend(std::coroutine_handle<> h) noexcept { scope->joiner_ = h; }
      void await_resume() const noexcept {}
    };
    co_await Wait{this};
  }
  if (first_error_)
    std::rethrow_exception(std::exchange(first_error_, {}));
}

} // namespace ppp2p::net
