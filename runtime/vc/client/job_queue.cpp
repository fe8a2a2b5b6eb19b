#include "vc/client/job_queue.hpp"

#include "vc/client/join_thread.hpp"

namespace ppp2p::detail {

JobQueue::JobQueue() {
  thread_ = std::thread([this] { run(); });
}

JobQueue::~JobQueue() {
  stop();
}

void JobQueue::submit(std::function<void()> job) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_)
      return;
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void JobQueue::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
  }
  wake_.notify_all();
  join_or_detach(thread_);
}

void JobQueue::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
    if (stopping_)
      return;
    auto job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    job();
    lock.lock();
  }
}

} // namespace ppp2p::detail
