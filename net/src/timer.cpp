#include "ppp2p/net/timer.hpp"

#include <cassert>
#include <uv.h>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/loop.hpp"

namespace ppp2p::net {

struct Timer::State {
  uv_timer_t handle;
  uv_idle_t wake; // resumes a cancelled waiter from the loop, never from inside cancel()
  std::function<void()> fn;
  WaitAwaiter* waiter = nullptr;
  int open = 2;
};

namespace {

using State = Timer::State;

void resume(State* s, bool fired) {
  if (auto* w = std::exchange(s->waiter, nullptr)) {
    w->fired = fired;
    w->handle.resume();
  }
}

void on_closed(uv_handle_t* h) {
  auto* s = static_cast<State*>(h->data);
  if (--s->open == 0) {
    resume(s, false); // the Timer was destroyed under a waiter
    delete s;
  }
}

void on_timer(uv_timer_t* h) {
  auto* s = static_cast<State*>(h->data);
  if (s->waiter) {
    resume(s, true);
  } else if (s->fn) {
    // fn may restart or cancel the timer, which replaces s->fn: call a copy.
    auto fn = s->fn;
    fn();
  }
}

void on_wake(uv_idle_t* h) {
  uv_idle_stop(h);
  resume(static_cast<State*>(h->data), false);
}

} // namespace

Timer::Timer(Loop& loop) : state_(new State) {
  uv_timer_init(loop.uv(), &state_->handle);
  uv_idle_init(loop.uv(), &state_->wake);
  state_->handle.data = state_;
  state_->wake.data = state_;
}

Timer::~Timer() {
  state_->fn = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&state_->handle), on_closed);
  uv_close(reinterpret_cast<uv_handle_t*>(&state_->wake), on_closed);
}

void Timer::cancel() {
  uv_timer_stop(&state_->handle);
  state_->fn = nullptr;
  if (state_->waiter)
    uv_idle_start(&state_->wake, on_wake);
}

void Timer::start(Millis delay, std::function<void()> fn, Millis repeat) {
  cancel();
  state_->fn = std::move(fn);
  uv_timer_start(&state_->handle, on_timer, static_cast<std::uint64_t>(delay.count()),
                 static_cast<std::uint64_t>(repeat.count()));
}

bool Timer::pending() const noexcept {
  return uv_is_active(reinterpret_cast<const uv_handle_t*>(&state_->handle)) != 0;
}

void Timer::WaitAwaiter::await_suspend(std::coroutine_handle<> h) {
  handle = h;
  timer->cancel();
  State* s = timer->state_;
  assert(!s->waiter && "a Timer has one waiter at a time");
  uv_idle_stop(&s->wake);
  s->waiter = this;
  uv_timer_start(&s->handle, on_timer, static_cast<std::uint64_t>(delay.count()), 0);
}

Result<void> Timer::WaitAwaiter::await_resume() const noexcept {
  if (fired)
    return {};
  return errc::cancelled;
}

task<void> sleep_for(Loop& loop, Millis delay) {
  Timer t(loop);
  (void)co_await t.wait(delay);
}

} // namespace ppp2p::net
