// AsyncEvent: a flag that coroutines can wait for. set() resumes every waiter (in order of
// arrival); waiting on a set event does not suspend.
#pragma once

#include <coroutine>
#include <vector>

namespace ppp2p::net {

class AsyncEvent {
public:
  void set() {
    if (set_)
      return;
    set_ = true;
    auto waiters = std::move(waiters_);
    for (std::coroutine_handle<> h : waiters)
      h.resume();
  }
  bool is_set() const noexcept { return set_; }

  auto wait() noexcept {
    struct Awaiter {
      AsyncEvent& e;
      bool await_ready() const noexcept { return e.set_; }
      void await_suspend(std::coroutine_handle<> h) { e.waiters_.push_back(h); }
      void await_resume() const noexcept {}
    };
    return Awaiter{*this};
  }

private:
  bool set_ = false;
  std::vector<std::coroutine_handle<>> waiters_;
};

} // namespace ppp2p::net
