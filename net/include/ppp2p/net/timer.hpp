// Timers on a Loop: a Timer handle for repeated or cancellable waits and callbacks, and
// sleep_for() for a one-off pause inside a coroutine.
#pragma once

#include <chrono>
#include <coroutine>
#include <functional>

#include "ppp2p/net/result.hpp"
#include "ppp2p/net/task.hpp"

namespace ppp2p::net {

class Loop;

using Millis = std::chrono::milliseconds;

class Timer {
public:
  explicit Timer(Loop& loop);
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;
  // Cancels what is pending; a waiting coroutine resumes with errc::cancelled once the loop
  // runs again (it must not touch the Timer any more).
  ~Timer();

  // Calls fn once after delay (and then every `repeat` if it is non-zero). Replaces what was
  // pending: a waiting coroutine resumes with errc::cancelled.
  void start(Millis delay, std::function<void()> fn, Millis repeat = Millis{0});

  // Waits for delay; resumes with errc::cancelled if cancel() or start() comes first.
  struct [[nodiscard]] WaitAwaiter {
    Timer* timer;
    Millis delay;
    std::coroutine_handle<> handle = {};
    bool fired = false;
    bool await_ready() const noexcept { return false; }
    void await_suspend(std::coroutine_handle<> h);
    Result<void> await_resume() const noexcept;
  };
  WaitAwaiter wait(Millis delay) { return {this, delay}; }

  // Stops the timer; a waiting coroutine resumes (later, from the loop) with errc::cancelled.
  void cancel();
  bool pending() const noexcept;

  struct State;

private:
  State* state_;
};

// Suspends the calling coroutine for delay.
task<void> sleep_for(Loop& loop, Millis delay);

} // namespace ppp2p::net
