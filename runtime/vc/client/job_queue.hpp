// JobQueue: runs submitted jobs one at a time, in order, on a thread of its own, so that
// whoever submits them (the event thread) never blocks on them (the virtual computer's
// load-balancing migrations). Stopping waits for the job in progress and drops the rest.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace ppp2p::detail {

class JobQueue {
public:
  JobQueue();
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;
  ~JobQueue(); // stops

  /// Ignored once stopped.
  void submit(std::function<void()> job);
  void stop();

private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::thread thread_;
};

} // namespace ppp2p::detail
