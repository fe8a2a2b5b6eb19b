// VcCore and VtCore: the client side of a virtual computer. VtCore is one VT's state as the
// client sees it (its result, partial results waiting for handlers, its newest checkpoint);
// VcCore owns the peer connection (embedded peer or agent), the messages owner (messages and
// globals), the periodic checkpoints, and the event thread that delivers partial results and
// ends of VTs in order. It resumes VTs from their checkpoints on request (restart, migrate)
// and when their host is lost or their executor crashes. Defined in vc_core.cpp (life),
// vc_core_events.cpp (events, partial results) and vc_core_resume.cpp (checkpoints, resumes);
// included by those and virtual_computer.cpp only.
#pragma once

#include "vc/client/job_queue.hpp"
#include "vc/client/join_thread.hpp"
#include "vc/client/peer_connection.hpp"
#include "vc/client/periodic_task.hpp"
#include "vc/messages/messages_owner.hpp"

#include "function_registry.hpp"

#include <ppp2p/virtual_computer.hpp>

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <limits.h>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

namespace ppp2p::detail {

/// Partial results waiting for a handler of their type, per VT (VirtualThread::on_partial).
inline constexpr std::size_t kUnclaimedPartialBytes = 16u << 20;

struct VtCore : std::enable_shared_from_this<VtCore> {
  VtId id = 0;
  std::weak_ptr<VcCore> vc;
  // What it takes to run it again: from the start, or from its newest checkpoint.
  std::uint64_t entry = 0, function = 0;
  std::vector<std::byte> args;
  std::optional<std::vector<std::byte>> checkpoint;
  std::uint64_t checkpoint_effect = 0;
  unsigned checkpoints = 0;
  unsigned damaged_checkpoints = 0;    // arrived, failed verification, ignored
  bool damage_next_checkpoint = false; // testing: flip a byte of the next one that arrives
  unsigned resumes = 0;
  unsigned recoveries_since_checkpoint = 0; // resumes after a lost host, without progress
  unsigned crashes_since_checkpoint = 0;    // resumes after its executor crashed
  std::string host;                         // the worker of its newest checkpoint
  std::string move_from;                    // set by migrate(): the next resume avoids this worker
  std::string move_to;                      // set by migrate(to): the next resume goes there
  bool restarting = false;
  std::mutex mutex;
  std::condition_variable ended; // also: a checkpoint arrived
  bool done = false;
  std::vector<std::byte> result;
  std::unique_ptr<remote_error> failure;
  // Partial results: delivered to the handler of their type, in arrival order, on the VC's
  // event thread; kept until a handler for their type is registered.
  std::map<std::string, std::function<void(const std::vector<std::byte>&)>> handlers;
  std::deque<std::pair<std::string, std::vector<std::byte>>> unclaimed;
  std::size_t unclaimed_bytes = 0; // at most kUnclaimedPartialBytes: the oldest go first
  std::uint64_t partials_dropped = 0;
  // Handlers registered whose earlier partials are not delivered yet: get() waits for them.
  unsigned drains_pending = 0;

  bool settled() const { return done && drains_pending == 0; }
};

class VcCore : public std::enable_shared_from_this<VcCore> {
public:
  void start(const VirtualComputerOptions& options);

  ~VcCore();

  void release();

  std::shared_ptr<VtCore> spawn(EntryFunction entry, const void* function,
                                std::vector<std::byte> args);

  void cancel(VtId id) {
    if (peer_)
      peer_->cancel(id);
  }

  bool checkpoint(VtCore& vt, std::chrono::nanoseconds timeout);

  /// Stops the VT's run and resumes it from its newest checkpoint, as after its host died.
  bool restart(VtCore& vt);

  /// A fresh capture, then a restart from it away from the worker that took it, or on worker
  /// `to` if given: false without a capture if `to` is not enrolled, or is where the VT is.
  bool migrate(VtCore& vt, std::chrono::nanoseconds timeout, const std::string& to = {});

  std::shared_ptr<VtCore> find(VtId id) {
    std::lock_guard lock(mutex_);
    auto it = vts_.find(id);
    return it == vts_.end() ? nullptr : it->second;
  }

  MessagesOwner& messages() { return *messages_; }

  unsigned workers() const { return peer_ ? peer_->workers() : 0; }
  unsigned rebalanced() const { return rebalanced_.load(); }
  std::vector<std::string> workers_named() const {
    return peer_ ? peer_->worker_names() : std::vector<std::string>{};
  }

private:
  void on_event(VtEvent&& event);
  bool verified(VtCore& vt, VtEvent& event); // a checkpoint event that decodes

  /// The periodic checkpoint: asks every running VT to capture itself at its next site.
  void capture_all();

  /// The VT's run ended with its host or its executor: resumes it from its newest checkpoint
  /// (or from its start: the journal replays what it did before, as from a checkpoint at
  /// effect 0), at most `allowed` times without a new checkpoint in between (`count` counts
  /// them, reset by each checkpoint). Past that it is not resumed, and `why_not` (if given)
  /// gets "; it <happened> N times since ..." for its failure.
  bool resume_after_loss(VtCore& vt, unsigned VtCore::*count, unsigned allowed,
                         const char* happened, std::string* why_not) {
    {
      std::lock_guard lock(vt.mutex);
      if (vt.done)
        return false;
      if (vt.*count >= allowed) {
        if (why_not)
          *why_not += std::string("; it ") + happened + " " + std::to_string(allowed + 1) +
                      " times since " + (vt.checkpoint ? "its newest checkpoint" : "it started") +
                      ", so it is not resumed again";
        return false;
      }
      ++(vt.*count);
      vt.restarting = true;
    }
    return resume(vt);
  }

  /// Lost with its host: resumed elsewhere, up to 8 times without a new checkpoint.
  bool recover(VtCore& vt) {
    return resume_after_loss(vt, &VtCore::recoveries_since_checkpoint, 8, "was lost", nullptr);
  }

  /// Its executor crashed (it may have been the cause, or shared the process with the cause):
  /// resumed, unless that was its third crash since its newest checkpoint.
  bool recover_from_crash(VtCore& vt, std::string& what) {
    return resume_after_loss(vt, &VtCore::crashes_since_checkpoint, 2, "crashed", &what);
  }

  /// The VT's run was stopped for a restart: runs it again from its newest checkpoint.
  bool resume(VtCore& vt);

  static void finish(VtCore& vt, std::vector<std::byte>* result,
                     std::unique_ptr<remote_error> failure);

  struct Pending {
    std::shared_ptr<VtCore> vt;
    std::string type;
    std::vector<std::byte> value;
    enum What { partial, drain, result, failed } what;
    std::unique_ptr<remote_error> failure;
  };

public:
  /// Partial results and ends of VTs are handled on the event thread, in arrival order.
  void post(Pending item) {
    std::lock_guard lock(events_mutex_);
    pending_.push_back(std::move(item));
    events_ready_.notify_one();
  }

  /// Delivers what waited for a handler of `type` (on the event thread, in order).
  void drain(std::shared_ptr<VtCore> vt, std::string type) {
    post({std::move(vt), std::move(type), {}, Pending::drain, nullptr});
  }

private:
  void deliver_partials();
  /// Keeps a partial for a handler not registered yet (vt.mutex held).
  static void keep_unclaimed(VtCore& vt, const std::string& type, std::vector<std::byte> value);

  static void deliver(VtCore& vt, const std::string& type, std::vector<std::byte> value,
                      bool drain) {
    std::function<void(const std::vector<std::byte>&)> handler;
    std::vector<std::vector<std::byte>> values;
    {
      std::lock_guard lock(vt.mutex);
      auto it = vt.handlers.find(type);
      if (it == vt.handlers.end()) {
        if (!drain)
          keep_unclaimed(vt, type, std::move(value));
        return;
      }
      handler = it->second;
      // Those that waited for the handler came first.
      for (auto waiting = vt.unclaimed.begin(); waiting != vt.unclaimed.end();) {
        if (waiting->first == type) {
          vt.unclaimed_bytes -= waiting->second.size();
          values.push_back(std::move(waiting->second));
          waiting = vt.unclaimed.erase(waiting);
        } else {
          ++waiting;
        }
      }
      if (!drain)
        values.push_back(std::move(value));
    }
    for (const std::vector<std::byte>& v : values)
      handler(v);
  }

private:
  void stop_events();

  std::unique_ptr<MessagesOwner> messages_;
  std::unique_ptr<PeerConnection> peer_;
  std::unique_ptr<PeriodicTask> checkpointer_; // stopped before peer_ goes
  std::unique_ptr<JobQueue> mover_;            // balance_load: migrations the deployer suggests
  std::atomic<unsigned> rebalanced_ = 0;       // VTs moved on the deployer's suggestion
  std::atomic<bool> releasing_ = false;
  std::recursive_mutex resume_mutex_; // a resume may fail synchronously and resume again
  std::mutex mutex_;
  std::map<VtId, std::shared_ptr<VtCore>> vts_;
  VtId next_id_ = 0;
  std::mutex events_mutex_;
  std::condition_variable events_ready_;
  std::deque<Pending> pending_;
  bool stopping_ = false;
  std::thread events_thread_;
};

} // namespace ppp2p::detail
