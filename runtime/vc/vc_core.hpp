// VcCore and VtCore: the client side of a virtual computer. VtCore is one VT's state as the
// client sees it (its result, partial results waiting for handlers, its newest checkpoint);
// VcCore owns the peer connection (embedded peer or agent), the exchange owner (messages and
// globals), the periodic checkpoints, and the event thread that delivers partial results and
// ends of VTs in order. It resumes VTs from their checkpoints on request (restart, migrate)
// and when their host is lost or their executor crashes. Included by virtual_computer.cpp only.
#pragma once

#include "exchange_owner.hpp"
#include "job_queue.hpp"
#include "join_thread.hpp"
#include "peer_connection.hpp"
#include "periodic_task.hpp"

#include "../function_registry.hpp"

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

struct VtCore : std::enable_shared_from_this<VtCore> {
  VtId id = 0;
  std::weak_ptr<VcCore> vc;
  // What it takes to run it again: from the start, or from its newest checkpoint.
  std::uint64_t entry = 0, function = 0;
  std::vector<std::byte> args;
  std::optional<std::vector<std::byte>> checkpoint;
  std::uint64_t checkpoint_effect = 0;
  unsigned checkpoints = 0;
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
  // Handlers registered whose earlier partials are not delivered yet: get() waits for them.
  unsigned drains_pending = 0;

  bool settled() const { return done && drains_pending == 0; }
};

class VcCore : public std::enable_shared_from_this<VcCore> {
public:
  void start(const VirtualComputerOptions& options) {
    VcRequest request;
    request.workers = options.workers;
    request.slots_per_worker = options.slots_per_worker;
    request.min_speed = options.min_speed;
    request.enrol_timeout = options.enrol_timeout;
    request.balance_load = options.balance_load;
    request.replicas = options.replicas;
    if (options.balance_load)
      mover_ = std::make_unique<JobQueue>();
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n > 0)
      request.module_path.assign(path, std::size_t(n));
    ExchangeLimits limits;
    limits.buffer_bytes = options.message_buffer_bytes;
    exchange_ = std::make_unique<ExchangeOwner>(limits, [this](VtId vt, Bytes frame) {
      if (peer_)
        peer_->to_vt(vt, std::move(frame));
    });
    events_thread_ = std::thread([this] { deliver_partials(); });
    std::weak_ptr<VcCore> self = weak_from_this();
    EventHandler handler = [self](VtEvent&& event) {
      if (auto vc = self.lock())
        vc->on_event(std::move(event));
    };
    try {
      const char* agent = std::getenv("PPP2P_AGENT");
      peer_ = agent && *agent ? open_agent_connection(agent, request, handler)
                              : open_embedded_peer(request, handler);
    } catch (...) {
      stop_events();
      throw;
    }
    if (options.checkpoint_interval.count() > 0)
      checkpointer_ =
          std::make_unique<PeriodicTask>(options.checkpoint_interval, [this] { capture_all(); });
  }

  ~VcCore() {
    {
      std::lock_guard lock(resume_mutex_);
      releasing_ = true;
    }
    checkpointer_.reset();
    mover_.reset();
    stop_events();
    std::map<VtId, std::shared_ptr<VtCore>> vts;
    {
      std::lock_guard lock(mutex_);
      vts.swap(vts_);
    }
    for (auto& [id, vt] : vts)
      finish(*vt, nullptr,
             std::make_unique<remote_error>(
                 errc::vt_lost, "", "the virtual computer was released first", "this client"));
  }

  void release() {
    {
      // What ends from now on is not resumed; a resume in progress finishes first.
      std::lock_guard lock(resume_mutex_);
      releasing_ = true;
    }
    checkpointer_.reset();
    exchange_->close("the virtual computer was released");
    std::vector<VtId> running;
    {
      std::lock_guard lock(mutex_);
      for (auto& [id, vt] : vts_)
        running.push_back(id);
    }
    if (peer_)
      for (VtId id : running)
        peer_->cancel(id);
    mover_.reset(); // a migration in progress ends with its VT, which was just cancelled
    peer_.reset();  // stops the executors or releases the agent's workers
  }

  std::shared_ptr<VtCore> spawn(EntryFunction entry, const void* function,
                                std::vector<std::byte> args) {
    if (!find_function_at(function))
      throw error(errc::spawn_refused,
                  "spawn needs a [[ppp2p::checkpointable]] function of this program, compiled "
                  "with the ppp2p plugin");
    SpawnRequest request;
    request.entry = module_offset(reinterpret_cast<const void*>(entry));
    request.function = module_offset(function);
    request.args = std::move(args);
    auto vt = std::make_shared<VtCore>();
    vt->vc = weak_from_this();
    vt->entry = request.entry;
    vt->function = request.function;
    vt->args = request.args;
    {
      std::lock_guard lock(mutex_);
      vt->id = next_id_++;
      vts_[vt->id] = vt;
    }
    request.vt = vt->id;
    peer_->spawn(std::move(request));
    exchange_->placed(vt->id, 0);
    return vt;
  }

  void cancel(VtId id) {
    if (peer_)
      peer_->cancel(id);
  }

  bool checkpoint(VtCore& vt, std::chrono::nanoseconds timeout) {
    unsigned before;
    {
      std::lock_guard lock(vt.mutex);
      if (vt.done)
        return false;
      before = vt.checkpoints;
    }
    peer_->capture(vt.id);
    std::unique_lock lock(vt.mutex);
    return vt.ended.wait_for(lock, timeout, [&] { return vt.done || vt.checkpoints > before; }) &&
           vt.checkpoints > before;
  }

  /// Stops the VT's run and resumes it from its newest checkpoint, as after its host died.
  bool restart(VtCore& vt) {
    unsigned before;
    {
      std::lock_guard lock(vt.mutex);
      if (vt.done || vt.restarting)
        return false;
      vt.restarting = true;
      before = vt.resumes;
    }
    peer_->cancel(vt.id);
    // Until the old run has stopped and the new one is placed, or the VT ended first.
    std::unique_lock lock(vt.mutex);
    vt.ended.wait(lock, [&] { return vt.done || vt.resumes > before; });
    return vt.resumes > before;
  }

  /// A fresh capture, then a restart from it away from the worker that took it, or on worker
  /// `to` if given: false without a capture if `to` is not enrolled, or is where the VT is.
  bool migrate(VtCore& vt, std::chrono::nanoseconds timeout, const std::string& to = {}) {
    if (!to.empty()) {
      auto names = workers_named();
      if (std::find(names.begin(), names.end(), to) == names.end())
        return false;
    }
    if (!checkpoint(vt, timeout))
      return false;
    {
      std::lock_guard lock(vt.mutex);
      if (!to.empty() && vt.host == to)
        return false; // captured there: nothing to move
      vt.move_from = vt.host;
      vt.move_to = to;
    }
    return restart(vt);
  }

  std::shared_ptr<VtCore> find(VtId id) {
    std::lock_guard lock(mutex_);
    auto it = vts_.find(id);
    return it == vts_.end() ? nullptr : it->second;
  }

  ExchangeOwner& exchange() { return *exchange_; }

  unsigned workers() const { return peer_ ? peer_->workers() : 0; }
  unsigned rebalanced() const { return rebalanced_.load(); }
  std::vector<std::string> workers_named() const {
    return peer_ ? peer_->worker_names() : std::vector<std::string>{};
  }

private:
  void on_event(VtEvent&& event) {
    std::shared_ptr<VtCore> vt;
    {
      std::lock_guard lock(mutex_);
      auto it = vts_.find(event.vt);
      if (it == vts_.end())
        return;
      vt = it->second;
    }
    switch (event.kind) {
    case VtEvent::Kind::rebalance:
      // The deployer suggests an idle, much faster worker. Moving takes a capture (up to the
      // VT's next site), so it happens on the mover's thread; a VT that reaches no site in
      // time, or ended, just stays.
      if (mover_)
        mover_->submit([this, vt, to = std::move(event.peer)] {
          if (!releasing_ && migrate(*vt, std::chrono::seconds(2), to))
            ++rebalanced_;
        });
      return;
    case VtEvent::Kind::exchange:
      try {
        exchange_->from_vt(vt->id, event.value);
      } catch (const error& e) {
        std::fprintf(stderr, "ppp2p: VT %u is stopped: %s\n", unsigned(vt->id), e.what());
        peer_->cancel(vt->id);
      }
      return;
    case VtEvent::Kind::checkpoint: {
      exchange_->checkpointed(vt->id, event.effect);
      std::lock_guard lock(vt->mutex);
      vt->checkpoint = std::move(event.value);
      vt->checkpoint_effect = event.effect;
      vt->recoveries_since_checkpoint = 0;
      vt->crashes_since_checkpoint = 0;
      vt->host = event.peer;
      ++vt->checkpoints;
      vt->ended.notify_all();
      return;
    }
    case VtEvent::Kind::partial:
      if (!exchange_->accept_effect(vt->id, event.effect))
        return; // reported again by a resumed VT
      break;
    case VtEvent::Kind::failure:
      if (event.failure == VtEvent::Failure::cancelled && resume(*vt))
        return;
      // Lost with its host (a worker that died or left; the deployer names it): resumed
      // elsewhere. Lost for want of any worker, or with the client's own agent: not.
      if (event.failure == VtEvent::Failure::lost && !event.peer.empty() && recover(*vt))
        return;
      if (event.failure == VtEvent::Failure::crashed && recover_from_crash(*vt, event.what))
        return;
      [[fallthrough]];
    case VtEvent::Kind::result: {
      exchange_->finished(vt->id);
      std::lock_guard lock(mutex_);
      vts_.erase(vt->id);
      break;
    }
    }
    // Results and failures go through the event thread too: every partial reported before
    // them is delivered before get() returns, and none after.
    Pending item{std::move(vt), std::move(event.type), std::move(event.value), Pending::partial,
                 nullptr};
    switch (event.kind) {
    case VtEvent::Kind::exchange:
    case VtEvent::Kind::checkpoint:
    case VtEvent::Kind::rebalance:
      return; // handled above
    case VtEvent::Kind::result:
      item.what = Pending::result;
      break;
    case VtEvent::Kind::partial:
      break;
    case VtEvent::Kind::failure: {
      errc code = event.failure == VtEvent::Failure::cancelled ? errc::vt_cancelled
                  : event.failure == VtEvent::Failure::crashed ? errc::executor_crashed
                  : event.failure == VtEvent::Failure::refused ? errc::spawn_refused
                  : event.failure == VtEvent::Failure::lost    ? errc::vt_lost
                                                               : errc::remote_exception;
      item.what = Pending::failed;
      item.failure = std::make_unique<remote_error>(code, item.type, event.what, event.peer);
      break;
    }
    }
    post(std::move(item));
  }

  /// The periodic checkpoint: asks every running VT to capture itself at its next site.
  void capture_all() {
    std::vector<VtId> running;
    {
      std::lock_guard lock(mutex_);
      for (auto& [id, vt] : vts_)
        running.push_back(id);
    }
    for (VtId id : running)
      peer_->capture(id);
  }

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
  bool resume(VtCore& vt) {
    // Held while peer_ is used: release() sets releasing_ under it, then destroys the peer.
    std::lock_guard release_lock(resume_mutex_);
    if (releasing_)
      return false;
    SpawnRequest request;
    {
      std::lock_guard lock(vt.mutex);
      if (!vt.restarting)
        return false;
      vt.restarting = false;
      ++vt.resumes;
      request.vt = vt.id;
      request.entry = vt.entry;
      request.function = vt.function;
      request.args = vt.args;
      request.snapshot = vt.checkpoint;
      request.effect = vt.checkpoint ? vt.checkpoint_effect : 0;
      request.avoid = std::exchange(vt.move_from, {});
      request.to = std::exchange(vt.move_to, {});
    }
    exchange_->stopped(vt.id);
    request.replay_through = exchange_->applied(vt.id);
    std::uint64_t effect = request.effect;
    peer_->spawn(std::move(request));
    exchange_->placed(vt.id, effect);
    vt.ended.notify_all();
    return true;
  }

  static void finish(VtCore& vt, std::vector<std::byte>* result,
                     std::unique_ptr<remote_error> failure) {
    std::lock_guard lock(vt.mutex);
    if (vt.done)
      return;
    if (result)
      vt.result = std::move(*result);
    vt.failure = std::move(failure);
    vt.done = true;
    vt.ended.notify_all();
  }

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
  void deliver_partials() {
    std::unique_lock lock(events_mutex_);
    for (;;) {
      events_ready_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
      if (pending_.empty() && stopping_)
        return;
      Pending item = std::move(pending_.front());
      pending_.pop_front();
      lock.unlock();
      if (item.what == Pending::result)
        finish(*item.vt, &item.value, nullptr);
      else if (item.what == Pending::failed)
        finish(*item.vt, nullptr, std::move(item.failure));
      else
        deliver(*item.vt, item.type, std::move(item.value), item.what == Pending::drain);
      if (item.what == Pending::drain) {
        std::lock_guard vt_lock(item.vt->mutex);
        --item.vt->drains_pending;
        item.vt->ended.notify_all();
      }
      lock.lock();
    }
  }

  static void deliver(VtCore& vt, const std::string& type, std::vector<std::byte> value,
                      bool drain) {
    std::function<void(const std::vector<std::byte>&)> handler;
    std::vector<std::vector<std::byte>> values;
    {
      std::lock_guard lock(vt.mutex);
      auto it = vt.handlers.find(type);
      if (it == vt.handlers.end()) {
        if (!drain)
          vt.unclaimed.emplace_back(type, std::move(value));
        return;
      }
      handler = it->second;
      // Those that waited for the handler came first.
      for (auto waiting = vt.unclaimed.begin(); waiting != vt.unclaimed.end();) {
        if (waiting->first == type) {
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
  void stop_events() {
    {
      std::lock_guard lock(events_mutex_);
      stopping_ = true;
      events_ready_.notify_all();
    }
    join_or_detach(events_thread_);
  }

  std::unique_ptr<ExchangeOwner> exchange_;
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
