// TaskScope: starts tasks that run on their own ("fire and forget") and still lets their owner
// wait for all of them, so that shutdown is orderly: close the handles the tasks wait on, then
// co_await scope.join().
#pragma once

#include <coroutine>
#include <cstddef>
#include <exception>
#include <functional>

#include "ppp2p/net/task.hpp"

namespace ppp2p::net {

class TaskScope {
public:
  TaskScope() = default;
  TaskScope(const TaskScope&) = delete;
  TaskScope& operator=(const TaskScope&) = delete;
  // A scope must be joined (active() == 0) before it is destroyed.
  ~TaskScope();

  // Starts t now; it runs until its first suspension before spawn returns.
  void spawn(task<void> t);

  // Completes when every spawned task has finished; rethrows the first exception that
  // escaped one of them unless an error handler took it.
  task<void> join();

  // Called with each exception that escapes a spawned task (instead of join rethrowing it).
  void on_error(std::function<void(std::exception_ptr)> handler) { on_error_ = std::move(handler); }

  std::size_t active() const noexcept { return active_; }

private:
  struct Runner;
  static Runner run(TaskScope* scope, task<void> t);
  void finished(std::exception_ptr error) noexcept;

  std::size_t active_ = 0;
  std::coroutine_handle<> joiner_;
  std::exception_ptr first_error_;
  std::function<void(std::exception_ptr)> on_error_;
};

} // namespace ppp2p::net
