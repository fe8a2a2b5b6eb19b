// PeriodicTask: calls a function every interval on a thread of its own until stopped (the
// virtual computer's periodic checkpoints). Stopping waits for a tick in progress.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace ppp2p::detail {

class PeriodicTask {
public:
  PeriodicTask(std::chrono::milliseconds interval, std::function<void()> tick);
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;
  ~PeriodicTask(); // stops

  void stop();

private:
  void run();

  const std::chrono::milliseconds interval_;
  const std::function<void()> tick_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace ppp2p::detail
