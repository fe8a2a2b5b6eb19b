#include "worker.hpp"

#include <algorithm>

namespace ppp2p::agent::vc {

namespace {

const char* state_name(int s) {
  static const char* names[] = {"fetching", "starting", "ready"};
  return names[s];
}

} // namespace

WorkerService::WorkerService(VcEnvironment env, WorkerConfig cfg)
    : env_(env), cfg_(cfg), free_(cfg.slots), fetcher_(env, cfg.fetcher) {}

WorkerService::~WorkerService() {
  for (auto& [key, e] : enrolments_)
    env_.timers.cancel(e->start_timer);
  env_.timers.cancel(reaper_);
  env_.timers.cancel(leave_timer_);
  enrolments_.clear();
  retired_.clear();
}

std::shared_ptr<WorkerService::Enrolment> WorkerService::find(const std::string& deployer,
                                                              VcId vc) const {
  auto it = enrolments_.find(Key{deployer, vc});
  return it == enrolments_.end() ? nullptr : it->second;
}

void WorkerService::set_free(unsigned free) {
  free_ = free;
  if (on_slots_)
    on_slots_(free_);
}

void WorkerService::on_enrol(const std::string& from, RequestId id, const EnrolRequest& r) {
  if (auto e = find(from, r.vc)) {
    // Asked again (the first answer may still be on its way): answer this request too.
    e->reply_to = id;
    if (e->state == State::ready)
      reply(*e, true, {});
    return;
  }
  if (free_ == 0) {
    env_.messenger.respond(
        from, id,
        encode(
            EnrolReply{false, 0, "no free slots (all " + std::to_string(cfg_.slots) + " in use)"}));
    return;
  }
  auto e = std::make_shared<Enrolment>();
  e->deployer = from;
  e->vc = r.vc;
  e->module = r.module;
  e->memory_limit_mib = std::min<std::uint64_t>(r.memory_limit_mib, 1ull << 30); // from a peer
  e->slots = r.slots == 0 ? free_ : std::min(r.slots, free_);
  e->module_size = r.module_size;
  e->reply_to = id;
  enrolments_[Key{from, r.vc}] = e;
  set_free(free_ - e->slots);
  if (env_.modules.path_of(r.module)) {
    start_executor(*e);
    return;
  }
  fetch_module(e);
}

void WorkerService::fetch_module(const std::shared_ptr<Enrolment>& e) {
  e->state = State::fetching;
  fetcher_.fetch(e->deployer, e->module, e->module_size,
                 [this, weak = std::weak_ptr<Enrolment>(e)](bool ok, const std::string& error) {
                   auto e = weak.lock();
                   if (!e || e->state != State::fetching)
                     return;
                   if (!ok)
                     fail(*e, "cannot get the module: " + error);
                   else
                     start_executor(*e);
                 });
}

void WorkerService::start_executor(Enrolment& e) {
  auto path = env_.modules.path_of(e.module);
  if (!path) {
    fail(e, "module " + hex(e.module) + " is not in the cache");
    return;
  }
  if (e.state == State::fetching)
    e.state = State::starting;
  std::uint64_t xid = next_executor_++;
  std::weak_ptr<Enrolment> weak = enrolments_.at(Key{e.deployer, e.vc});
  auto current = [weak, xid]() -> std::shared_ptr<Enrolment> {
    auto e = weak.lock();
    return e && e->executor_id == xid ? e : nullptr;
  };
  ExecutorCallbacks cb;
  cb.started = [this, current] {
    if (auto e = current())
      on_started(*e);
  };
  cb.event = [this, current](VtEvent&& event) {
    if (auto e = current())
      on_executor_event(*e, std::move(event));
  };
  cb.exited = [this, current](ExecutorEnd end) {
    if (auto e = current())
      on_exited(*e, end);
  };
  ExecutorStartError failure;
  ExecutorSpec spec{*path, e.module, e.slots, e.memory_limit_mib << 20};
  auto executor = env_.executors.start(spec, std::move(cb), failure);
  ++e.executor_starts;
  if (!executor) {
    const std::string& error = failure.what;
    if (failure.module_damaged && e.state == State::starting && !e.refetched) {
      // The cached copy no longer matches its hash (disk, or someone with the agent's
      // rights): drop it and fetch the module again from the deployer, once.
      e.refetched = true;
      env_.modules.forget(e.module);
      fetch_module(enrolments_.at(Key{e.deployer, e.vc}));
      return;
    }
    if (e.state == State::starting)
      fail(e, "cannot start an executor: " + error);
    else
      resign(e, "cannot start an executor: " + error);
    return;
  }
  e.executor = std::move(executor);
  e.executor_id = xid;
  e.executor_ready = false;
  env_.timers.cancel(e.start_timer);
  e.start_timer = env_.timers.after(cfg_.executor_start_timeout, [this, current] {
    if (auto e = current()) {
      e->start_timer = 0;
      if (!e->executor_ready)
        on_exited(*e, {"executor did not start within " +
                       std::to_string(cfg_.executor_start_timeout.count()) + " ms"});
    }
  });
}

void WorkerService::on_started(Enrolment& e) {
  if (e.executor_ready)
    return;
  e.executor_ready = true;
  env_.timers.cancel(std::exchange(e.start_timer, 0));
  if (e.state == State::starting) {
    e.state = State::ready;
    reply(e, true, {});
  }
  dispatch(e);
}

void WorkerService::dispatch(Enrolment& e) {
  if (e.state != State::ready)
    return;
  if (!e.executor) {
    if (!e.queue.empty())
      start_executor(e); // the last one exited: start another for the work waiting
    return;
  }
  if (!e.executor_ready)
    return;
  // VTs blocked in the executor hold no slot there: the ones they wait for must get in.
  while (!e.queue.empty() &&
         e.running.size() - e.blocked.size() < e.slots + cfg_.executor_prefetch) {
    SpawnRequest r = std::move(e.queue.front());
    e.queue.pop_front();
    e.queued_bytes -= request_bytes(r);
    e.running.insert(r.vt);
    e.executor->run(r);
    if (auto h = e.held.find(r.vt); h != e.held.end()) {
      for (const VtMessage& m : h->second) {
        e.queued_bytes -= message_bytes(m);
        pass_to_executor(*e.executor, m);
      }
      e.held.erase(h);
    }
  }
}

void WorkerService::on_executor_event(Enrolment& e, VtEvent&& event) {
  if (event.kind == VtEvent::Kind::blocked || event.kind == VtEvent::Kind::unblocked) {
    bool blocked = event.kind == VtEvent::Kind::blocked;
    if (!e.running.count(event.vt))
      return;
    if (blocked ? e.blocked.insert(event.vt).second : e.blocked.erase(event.vt) != 0) {
      send_event(e, std::move(event)); // the deployer counts it out of this worker's load too
      if (blocked)
        dispatch(e);
    }
    return;
  }
  if (event.kind == VtEvent::Kind::partial || event.kind == VtEvent::Kind::message_frame ||
      event.kind == VtEvent::Kind::checkpoint) {
    VtNumber vt = event.vt;
    bool captured = event.kind == VtEvent::Kind::checkpoint;
    if (e.running.count(vt))
      send_event(e, std::move(event));
    if (captured)
      leave_capture_settled(e, vt);
    return;
  }
  leave_capture_settled(e, event.vt);
  if (!e.running.erase(event.vt))
    return;
  e.blocked.erase(event.vt);
  e.known.erase(event.vt);
  ++e.finished;
  ++vts_finished_;
  send_event(e, std::move(event));
  dispatch(e);
}

void WorkerService::on_exited(Enrolment& e, const ExecutorEnd& end) {
  const std::string& why = end.why;
  retire(std::move(e.executor));
  bool was_ready = e.executor_ready;
  e.executor_id = 0;
  e.executor_ready = false;
  env_.timers.cancel(std::exchange(e.start_timer, 0));
  if (e.state == State::starting) {
    fail(e, why + " before it was ready");
    return;
  }
  if (!was_ready) {
    // A replacement that could not start: this worker cannot run the module any more.
    resign(e, "the executor cannot be restarted: " + why);
    return;
  }
  std::vector<VtNumber> lost(e.running.begin(), e.running.end());
  std::sort(lost.begin(), lost.end());
  // A sandbox violation is not resumed (it would happen again); the executor's other VTs
  // cannot be told apart from the one that made the call.
  std::string what =
      end.sandbox_violation && lost.size() > 1
          ? why + " (one of the " + std::to_string(lost.size()) + " VTs it ran made the call)"
          : why;
  for (VtNumber vt : lost) {
    e.known.erase(vt);
    send_event(e, failure_event(vt,
                                end.sandbox_violation ? VtEvent::Failure::sandbox_violation
                                                      : VtEvent::Failure::crashed,
                                what));
  }
  e.running.clear();
  e.blocked.clear();
  dispatch(e);
}

void WorkerService::on_spawn(const std::string& from, Spawn&& s) {
  auto e = find(from, s.vc);
  VtNumber vt = s.request.vt;
  if (!e || e->state != State::ready) {
    VtEvent f = failure_event(vt, VtEvent::Failure::refused,
                              "this worker is not enrolled in VC " + std::to_string(s.vc));
    env_.messenger.send(from, encode(Event{s.vc, std::move(f)}));
    return;
  }
  if (!e->known.insert(vt).second) {
    send_event(*e, failure_event(vt, VtEvent::Failure::refused,
                                 "VT " + std::to_string(vt) + " is already on this worker"));
    return;
  }
  if (s.request.from_replica) {
    std::uint64_t effect = s.request.effect;
    auto r = e->replicas.find(vt);
    if (r == e->replicas.end() || r->second.first != effect) {
      // Dropped for want of room, or replaced: the deployer resumes it from the client's copy.
      e->known.erase(vt);
      send_event(*e, failure_event(vt, VtEvent::Failure::lost,
                                   "no replica of its checkpoint " + std::to_string(effect) +
                                       " at this worker"));
      return;
    }
    replica_bytes_ -= r->second.second.size();
    s.request.snapshot = std::move(r->second.second);
    s.request.from_replica = false;
    e->replicas.erase(r);
  }
  std::size_t bytes = request_bytes(s.request);
  if (e->queue.size() >= cfg_.max_queued_vts || e->queued_bytes + bytes > cfg_.max_queued_bytes) {
    e->known.erase(vt);
    send_event(*e, failure_event(vt, VtEvent::Failure::refused,
                                 "this worker's queue for the VC is full (" +
                                     std::to_string(e->queue.size()) + " VTs, " +
                                     std::to_string(e->queued_bytes >> 20) +
                                     " MiB waiting): the deployer sent more than its slots take"));
    return;
  }
  e->queued_bytes += bytes;
  e->queue.push_back(std::move(s.request));
  dispatch(*e);
}

void WorkerService::on_cancel(const std::string& from, const Cancel& c) {
  auto e = find(from, c.vc);
  if (!e || !e->known.count(c.vt))
    return;
  auto q = std::find_if(e->queue.begin(), e->queue.end(),
                        [&](const SpawnRequest& r) { return r.vt == c.vt; });
  if (q != e->queue.end()) {
    forget_queued(*e, q);
    send_event(*e, failure_event(c.vt, VtEvent::Failure::cancelled, "cancelled before it started"));
    return;
  }
  if (e->running.count(c.vt) && e->executor)
    e->executor->cancel(c.vt);
}

std::size_t WorkerService::request_bytes(const SpawnRequest& r) {
  return 256 + r.args.size() + (r.snapshot ? r.snapshot->size() : 0);
}

std::size_t WorkerService::message_bytes(const VtMessage& m) {
  const auto* t = std::get_if<ToVt>(&m);
  return 64 + (t ? t->frame.size() : 0);
}

void WorkerService::forget_queued(Enrolment& e, std::deque<SpawnRequest>::iterator q) {
  VtNumber vt = q->vt;
  e.queued_bytes -= request_bytes(*q);
  e.queue.erase(q);
  e.known.erase(vt);
  if (auto h = e.held.find(vt); h != e.held.end()) {
    for (const VtMessage& m : h->second)
      e.queued_bytes -= message_bytes(m);
    e.held.erase(h);
  }
}

void WorkerService::pass_to_executor(Executor& executor, const VtMessage& m) {
  if (const auto* t = std::get_if<ToVt>(&m))
    executor.to_vt(t->vt, t->frame);
  else
    executor.capture(std::get<Capture>(m).vt);
}

void WorkerService::on_vt_message(const std::string& from, VcId vc, VtNumber vt, VtMessage&& m) {
  auto e = find(from, vc);
  if (!e || !e->known.count(vt))
    return;
  if (e->running.count(vt)) {
    if (e->executor)
      pass_to_executor(*e->executor, m);
  } else {
    // As in the deployer: one capture held for a queued VT is as good as many.
    auto& held = e->held[vt];
    auto is_capture = [](const VtMessage& h) { return std::holds_alternative<Capture>(h); };
    if (is_capture(m) && std::any_of(held.begin(), held.end(), is_capture))
      return;
    std::size_t bytes = message_bytes(m);
    if (e->queued_bytes + bytes > cfg_.max_queued_bytes) {
      auto q = std::find_if(e->queue.begin(), e->queue.end(),
                            [&](const SpawnRequest& r) { return r.vt == vt; });
      if (q != e->queue.end())
        forget_queued(*e, q);
      send_event(*e, failure_event(vt, VtEvent::Failure::refused,
                                   "more than " + std::to_string(cfg_.max_queued_bytes >> 20) +
                                       " MiB waited at this worker for VTs not yet started"));
      return;
    }
    e->queued_bytes += bytes;
    held.push_back(std::move(m));
  }
}

void WorkerService::on_release(const std::string& from, VcId vc) {
  if (auto e = find(from, vc))
    close(*e);
}

void WorkerService::on_replica(const std::string& from, Replica&& replica) {
  auto e = find(from, replica.vc);
  if (!e || e->state != State::ready)
    return;
  if (auto old = e->replicas.find(replica.vt); old != e->replicas.end()) {
    replica_bytes_ -= old->second.second.size();
    e->replicas.erase(old);
  }
  if (replica.snapshot.empty() || replica_bytes_ + replica.snapshot.size() > cfg_.max_replica_bytes)
    return; // dropped, or no room: unacknowledged, so the deployer does not count on it
  replica_bytes_ += replica.snapshot.size();
  e->replicas[replica.vt] = {replica.effect, std::move(replica.snapshot)};
  env_.messenger.send(from, encode(ReplicaKept{replica.vc, replica.vt, replica.effect}));
}

std::size_t WorkerService::replicas_kept() const {
  std::size_t n = 0;
  for (const auto& [key, e] : enrolments_)
    n += e->replicas.size();
  return n;
}

void WorkerService::on_member_gone(const std::string& address) {
  std::vector<std::shared_ptr<Enrolment>> gone;
  for (auto& [key, e] : enrolments_)
    if (key.first == address)
      gone.push_back(e);
  for (auto& e : gone)
    close(*e);
}

void WorkerService::resign_all(const std::string& reason) {
  std::vector<std::shared_ptr<Enrolment>> all;
  for (auto& [key, e] : enrolments_)
    all.push_back(e);
  for (auto& e : all) {
    if (e->state == State::ready)
      resign(*e, reason);
    else
      fail(*e, reason);
  }
}

void WorkerService::capture_for_leave(Millis grace, std::function<void()> done) {
  leave_done_ = std::move(done);
  for (auto& [key, e] : enrolments_) {
    if (!e->executor || !e->executor_ready)
      continue;
    for (VtNumber vt : e->running) {
      leave_captures_.emplace(e->deployer, e->vc, vt);
      e->executor->capture(vt);
    }
  }
  if (leave_captures_.empty()) {
    finish_leave_captures();
    return;
  }
  leave_timer_ = env_.timers.after(grace, [this] {
    leave_timer_ = 0;
    finish_leave_captures();
  });
}

void WorkerService::leave_capture_settled(const Enrolment& e, VtNumber vt) {
  if (leave_captures_.erase({e.deployer, e.vc, vt}) && leave_captures_.empty())
    finish_leave_captures();
}

// done() runs from a timer, never inside an executor's callback: it ends the enrolments.
void WorkerService::finish_leave_captures() {
  env_.timers.cancel(std::exchange(leave_timer_, 0));
  leave_captures_.clear();
  if (!leave_done_)
    return;
  leave_timer_ = env_.timers.after(Millis{0}, [this] {
    leave_timer_ = 0;
    if (auto done = std::exchange(leave_done_, nullptr))
      done();
  });
}

void WorkerService::send_event(const Enrolment& e, VtEvent&& event) {
  env_.messenger.send(e.deployer, encode(Event{e.vc, std::move(event)}));
}

void WorkerService::reply(Enrolment& e, bool accepted, const std::string& reason) {
  if (!e.reply_to)
    return;
  env_.messenger.respond(e.deployer, *e.reply_to,
                         encode(EnrolReply{accepted, accepted ? e.slots : 0, reason}));
  e.reply_to.reset();
}

void WorkerService::fail(Enrolment& e, const std::string& reason) {
  reply(e, false, reason);
  close(e);
}

void WorkerService::resign(Enrolment& e, const std::string& reason) {
  env_.messenger.send(e.deployer, encode(Resign{e.vc, reason}));
  close(e);
}

void WorkerService::close(Enrolment& e) {
  env_.timers.cancel(std::exchange(e.start_timer, 0));
  retire(std::move(e.executor));
  e.executor_id = 0;
  unsigned slots = e.slots;
  auto it = enrolments_.find(Key{e.deployer, e.vc});
  if (it == enrolments_.end() || it->second.get() != &e)
    return;
  auto keep = it->second; // e lives until this returns
  for (const auto& [vt, kept] : e.replicas)
    replica_bytes_ -= kept.second.size();
  e.replicas.clear();
  enrolments_.erase(it);
  set_free(free_ + slots);
}

void WorkerService::retire(std::unique_ptr<Executor> executor) {
  if (!executor)
    return;
  retired_.push_back(std::move(executor));
  if (reaper_ == 0)
    reaper_ = env_.timers.after(Millis{0}, [this] {
      reaper_ = 0;
      retired_.clear(); // stops and kills them
    });
}

std::vector<EnrolmentStatus> WorkerService::status() const {
  std::vector<EnrolmentStatus> out;
  for (const auto& [key, e] : enrolments_)
    out.push_back({e->deployer, e->vc, hex(e->module), state_name(static_cast<int>(e->state)),
                   e->slots, e->queue.size(), e->running.size(),
                   e->executor ? e->executor->pid() : 0, e->finished, e->executor_starts});
  return out;
}

} // namespace ppp2p::agent::vc
