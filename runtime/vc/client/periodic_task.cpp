#include "vc/client/periodic_task.hpp"

#include "vc/client/join_thread.hpp"

namespace ppp2p::detail {

PeriodicTask::PeriodicTask(std::chrono::milliseconds interval, std::function<void()> tick)
    : interval_(interval), tick_(std::move(tick)) {
  thread_ = std::thread([this] { run(); });
}

PeriodicTask::~PeriodicTask() {
  stop();
}

void PeriodicTask::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  join_or_detach(thread_);
}

void PeriodicTask::run() {
  auto next = std::chrono::steady_clock::now() + interval_;
  std::unique_lock lock(mutex_);
  for (;;) {
    if (wake_.wait_until(lock, next, [&] { return stopping_; }))
      return;
    lock.unlock();
    tick_();
    lock.lock();
    // Ticks do not pile up after a slow one: the next comes at least an interval later.
    next += interval_;
    if (auto now = std::chrono::steady_clock::now(); next < now)
      next = now + interval_;
  }
}

} // namespace ppp2p::detail
