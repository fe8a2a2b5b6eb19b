#include "deployment.hpp"

#include <algorithm>
#include <cstdio>

#include "delegator.hpp"
#include "ppp2p/net/error.hpp"

namespace ppp2p::agent::vc {

namespace {

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const std::string& p : parts)
    out += (out.empty() ? "" : sep) + p;
  return out;
}

} // namespace

Deployment::Deployment(VcEnvironment env, VcId id, detail::VcRequest request, Module module,
                       ClientSink& client, SlotHints& hints, DeploymentConfig cfg)
    : env_(env), id_(id), request_(std::move(request)), module_(module), client_(client),
      hints_(hints), cfg_(cfg), replicas_(request_.replicas) {}

Deployment::~Deployment() {
  *alive_ = false;
  env_.timers.cancel(deadline_timer_);
  env_.timers.cancel(retry_timer_);
  env_.timers.cancel(starving_timer_);
}

void Deployment::start() {
  quota_ = request_.workers;
  if (quota_ == 0) {
    for (const Candidate& c : env_.cluster.live_members())
      if (c.speed >= request_.min_speed && hints_.free_slots(c) > 0)
        ++quota_;
    quota_ = std::max(quota_, 1u);
  }
  deadline_timer_ = env_.timers.after(request_.enrol_timeout, [this, alive = alive_] {
    if (*alive) {
      deadline_timer_ = 0;
      enrolment_deadline();
    }
  });
  fill_quota();
}

bool Deployment::has_worker(const std::string& address) const {
  auto it = workers_.find(address);
  return it != workers_.end() && it->second.enrolled;
}

void Deployment::fill_quota() {
  if (released_)
    return;
  std::size_t have = workers_.size();
  if (have >= quota_)
    return;
  Millis now = env_.clock.now();
  std::vector<Candidate> candidates;
  for (Candidate& c : env_.cluster.live_members()) {
    c.free_slots = hints_.free_slots(c);
    if (workers_.count(c.address) || c.speed < request_.min_speed || c.free_slots == 0)
      continue;
    auto r = refused_at_.find(c.address);
    if (r != refused_at_.end() && now - r->second < cfg_.refused_cooldown)
      continue;
    candidates.push_back(std::move(c));
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.speed != b.speed)
      return a.speed > b.speed;
    if (a.free_slots != b.free_slots)
      return a.free_slots > b.free_slots;
    return a.address < b.address;
  });
  for (const Candidate& c : candidates) {
    if (have >= quota_)
      break;
    enrol(c);
    ++have;
  }
  if (have < quota_)
    arm_retry();
}

void Deployment::arm_retry() {
  if (retry_timer_ != 0)
    return;
  retry_timer_ = env_.timers.after(cfg_.retry_interval, [this, alive = alive_] {
    if (*alive) {
      retry_timer_ = 0;
      fill_quota();
    }
  });
}

void Deployment::enrol(const Candidate& c) {
  Worker& w = workers_[c.address];
  w.speed = c.speed;
  EnrolRequest r{id_, module_.hash, module_.size, request_.slots_per_worker,
                 request_.memory_limit_mib};
  env_.messenger.request(c.address, encode(r), request_.enrol_timeout,
                         [this, alive = alive_, address = c.address](auto reply) {
                           if (*alive)
                             on_enrol_reply(address, reply);
                         });
}

void Deployment::on_enrol_reply(const std::string& address, net::Result<net::ByteView> r) {
  std::optional<EnrolReply> reply;
  std::string why;
  if (!r) {
    why = r.error() == net::errc::timed_out
              ? "did not answer within " + std::to_string(request_.enrol_timeout.count()) + " ms"
              : "was lost while enrolling";
  } else {
    std::string error;
    auto m = decode(*r, error);
    if (m && std::holds_alternative<EnrolReply>(*m))
      reply = std::get<EnrolReply>(std::move(*m));
    else
      why = "answered the enrolment with an invalid message";
  }
  auto it = workers_.find(address);
  bool waiting = !released_ && it != workers_.end() && !it->second.enrolled;
  bool timed_out = !r && r.error() == net::errc::timed_out;
  bool accepted = reply && reply->accepted;
  // An acceptance nobody waits for, or one that may still come after a timeout, must not
  // leave the member enrolled.
  if ((!waiting && accepted) || timed_out)
    env_.messenger.send(address, encode(Release{id_}));
  if (!waiting)
    return;
  if (!reply || !reply->accepted) {
    refusals_[address] = reply ? "refused: " + reply->reason : why;
    refused_at_[address] = env_.clock.now();
    workers_.erase(it);
    fill_quota();
    return;
  }
  Worker& w = it->second;
  w.enrolled = true;
  w.slots = reply->slots;
  w.order = next_order_++;
  ++enrolled_;
  refusals_.erase(address);
  report_workers();
  place();
  suggest_moves();
}

Deployment::WorkerRefs Deployment::enrolled_workers() {
  WorkerRefs refs;
  for (auto it = workers_.begin(); it != workers_.end(); ++it)
    if (it->second.enrolled)
      refs.push_back(it);
  return refs;
}

std::vector<WorkerLoad> Deployment::loads_of(const WorkerRefs& refs) {
  std::vector<WorkerLoad> loads;
  for (auto it : refs)
    // A blocked VT holds no slot: the VTs it waits for must be able to run.
    loads.push_back(
        {it->second.speed, it->second.slots, it->second.outstanding - it->second.blocked});
  return loads;
}

std::vector<std::string> Deployment::enrolled_names() const {
  std::vector<std::string> names;
  for (const auto& [address, w] : workers_)
    if (w.enrolled)
      names.push_back(address);
  return names;
}

void Deployment::report_workers() {
  if (released_)
    return;
  check_starving();
  if (created_) {
    client_.workers_changed(enrolled_names());
  } else if (enrolled_ >= quota_) {
    created_ = true;
    env_.timers.cancel(std::exchange(deadline_timer_, 0));
    client_.created(id_, enrolled_names());
  }
}

void Deployment::enrolment_deadline() {
  if (created_ || released_)
    return;
  if (enrolled_ > 0) {
    created_ = true;
    client_.created(id_, enrolled_names());
    return;
  }
  std::vector<std::string> parts;
  for (const auto& [address, why] : refusals_)
    parts.push_back(address + " " + why);
  unsigned slow = 0, full = 0;
  for (const Candidate& c : env_.cluster.live_members()) {
    if (c.speed < request_.min_speed)
      ++slow;
    else if (c.free_slots == 0 && !refusals_.count(c.address))
      ++full;
  }
  char speed[32];
  std::snprintf(speed, sizeof speed, "%.1f", request_.min_speed);
  if (slow)
    parts.push_back(std::to_string(slow) + " live member(s) slower than min_speed " + speed);
  if (full)
    parts.push_back(std::to_string(full) + " live member(s) without free slots");
  if (parts.empty())
    parts.push_back("no live member could be asked");
  std::string reason = "no worker enrolled within " +
                       std::to_string(request_.enrol_timeout.count()) + " ms: " + join(parts, "; ");
  client_.refused(reason);
  release();
}

// A created VC without workers: after an enrolment timeout of that, waiting VTs fail.
void Deployment::check_starving() {
  if (enrolled_ > 0) {
    starved_ = false;
    env_.timers.cancel(std::exchange(starving_timer_, 0));
    return;
  }
  if (!created_ || starving_timer_ != 0 || starved_)
    return;
  starving_timer_ = env_.timers.after(request_.enrol_timeout, [this, alive = alive_] {
    if (*alive) {
      starving_timer_ = 0;
      starved();
    }
  });
}

void Deployment::starved() {
  if (enrolled_ > 0 || released_)
    return;
  starved_ = true;
  std::vector<VtNumber> waiting;
  for (const auto& [vt, v] : vts_)
    waiting.push_back(vt);
  std::sort(waiting.begin(), waiting.end());
  vts_.clear();
  queue_.clear();
  queued_bytes_ = 0;
  for (VtNumber vt : waiting)
    finish(failure_event(vt, VtEvent::Failure::lost,
                         "the virtual computer has had no worker for " +
                             std::to_string(request_.enrol_timeout.count()) + " ms"));
}

void Deployment::spawn(SpawnRequest request) {
  if (released_)
    return;
  ++spawned_;
  // A VT that ended lost or crashed and comes again is resumed by its client, from a snapshot
  // or (none yet) from its start.
  bool again = may_resume_.erase(request.vt) > 0;
  if (!request.avoid.empty() || !request.to.empty())
    ++migrated_;
  else if (again || request.snapshot || request.replay_through > 0)
    ++resumed_;
  VtNumber vt = request.vt;
  if (starved_) {
    finish(failure_event(vt, VtEvent::Failure::lost,
                         "the virtual computer has no worker (none for " +
                             std::to_string(request_.enrol_timeout.count()) + " ms)"));
    return;
  }
  if (request.args.size() > kMaxValue ||
      (request.snapshot && request.snapshot->size() > kMaxValue)) {
    finish(failure_event(vt, VtEvent::Failure::refused,
                         "its arguments take " + std::to_string(request.args.size()) +
                             " bytes; a VT's arguments may take at most 60 MiB"));
    return;
  }
  if (vts_.count(vt)) {
    client_.event(failure_event(vt, VtEvent::Failure::refused,
                                "VT " + std::to_string(vt) + " was spawned twice"));
    return;
  }
  Vt v{std::move(request), {}};
  std::size_t bytes = held_bytes(v);
  if (queue_.size() >= cfg_.max_queued_vts || queued_bytes_ + bytes > cfg_.max_queued_bytes) {
    finish(failure_event(vt, VtEvent::Failure::refused,
                         "its deployer's queue is full: " + std::to_string(queue_.size()) +
                             " VTs holding " + std::to_string(queued_bytes_ >> 20) +
                             " MiB wait for a worker (at most " +
                             std::to_string(cfg_.max_queued_vts) + " VTs and " +
                             std::to_string(cfg_.max_queued_bytes >> 20) + " MiB)"));
    return;
  }
  queued_bytes_ += bytes;
  vts_.emplace(vt, std::move(v));
  queue_.push_back(vt);
  place();
}

std::size_t Deployment::held_bytes(const Message& m) {
  const ToVt* to_vt = std::get_if<ToVt>(&m);
  return 64 + (to_vt ? to_vt->frame.size() : 0);
}

std::size_t Deployment::held_bytes(const Vt& v) {
  std::size_t bytes =
      64 + v.request.args.size() + (v.request.snapshot ? v.request.snapshot->size() : 0);
  for (const Message& m : v.held)
    bytes += held_bytes(m);
  return bytes;
}

std::optional<std::size_t> Deployment::worker_for(const SpawnRequest& r, const WorkerRefs& refs,
                                                  const std::vector<WorkerLoad>& loads,
                                                  bool& from_replica) const {
  // A migration to a chosen worker: there, even busy (it waits there for a slot).
  for (std::size_t k = 0; k < refs.size() && !r.to.empty(); ++k)
    if (refs[k]->first == r.to)
      return k;
  // A resume: on a worker with a free slot that keeps its checkpoint, if any.
  if (r.snapshot && r.avoid.empty())
    for (const std::string& holder : replicas_.holders(r.vt, r.effect))
      for (std::size_t k = 0; k < refs.size(); ++k)
        if (refs[k]->first == holder && loads[k].outstanding < std::max(1u, loads[k].slots)) {
          from_replica = true;
          return k;
        }
  bool resumed = r.snapshot.has_value() || r.replay_through > 0;
  if (!r.avoid.empty() && refs.size() > 1) { // a migration: anywhere but there
    std::vector<WorkerLoad> others = loads;
    for (std::size_t k = 0; k < refs.size(); ++k)
      if (refs[k]->first == r.avoid)
        others[k].outstanding = window_of(others[k].slots); // counts as full
    return choose_worker(others, resumed);
  }
  return choose_worker(loads, resumed);
}

void Deployment::place() {
  if (queue_.empty() || released_)
    return;
  WorkerRefs refs = enrolled_workers();
  if (refs.empty())
    return;
  std::sort(refs.begin(), refs.end(),
            [](auto a, auto b) { return a->second.order < b->second.order; });
  std::vector<WorkerLoad> loads = loads_of(refs);
  while (!queue_.empty()) {
    auto v = vts_.find(queue_.front());
    if (v == vts_.end() || !v->second.worker.empty()) {
      queue_.pop_front(); // cancelled while queued
      continue;
    }
    bool from_replica = false;
    std::optional<std::size_t> i = worker_for(v->second.request, refs, loads, from_replica);
    if (!i)
      break;
    queue_.pop_front();
    queued_bytes_ -= held_bytes(v->second);
    auto w = refs[*i];
    ++w->second.outstanding;
    ++loads[*i].outstanding;
    v->second.worker = w->first;
    v->second.placed = ++placements_;
    if (from_replica) { // the worker has the snapshot: it need not cross the network again
      v->second.request.from_replica = true;
      v->second.request.snapshot.reset();
      replicas_.consumed(w->first, v->first);
    }
    env_.messenger.send(w->first, encode(Spawn{id_, std::move(v->second.request)}));
    v->second.request.args = {};
    v->second.request.snapshot.reset();
    for (const Message& m : std::exchange(v->second.held, {}))
      env_.messenger.send(w->first, encode(m));
  }
}

void Deployment::cancel(VtNumber vt) {
  auto v = vts_.find(vt);
  if (v == vts_.end() || released_)
    return;
  if (v->second.worker.empty()) {
    queued_bytes_ -= held_bytes(v->second);
    vts_.erase(v);
    finish(failure_event(vt, VtEvent::Failure::cancelled, "cancelled before it started"));
    return;
  }
  env_.messenger.send(v->second.worker, encode(Cancel{id_, vt}));
}

void Deployment::capture(VtNumber vt) {
  relay(vt, Capture{id_, vt});
}

void Deployment::to_vt(VtNumber vt, std::vector<std::byte> frame) {
  relay(vt, ToVt{id_, vt, std::move(frame)});
}

void Deployment::relay(VtNumber vt, Message&& m) {
  auto v = vts_.find(vt);
  if (v == vts_.end() || released_)
    return;
  if (!v->second.worker.empty()) {
    env_.messenger.send(v->second.worker, encode(m));
    return;
  }
  // A capture asks for one at the VT's next site: while it waits, one held is as good as many
  // (periodic checkpoints would otherwise pile one up per interval for every queued VT).
  auto is_capture = [](const Message& h) { return std::holds_alternative<Capture>(h); };
  if (is_capture(m) && std::any_of(v->second.held.begin(), v->second.held.end(), is_capture))
    return;
  std::size_t bytes = held_bytes(m);
  if (queued_bytes_ + bytes > cfg_.max_queued_bytes) {
    // Dropping the message would lose it: the VT fails instead, and may be spawned again.
    queued_bytes_ -= held_bytes(v->second);
    vts_.erase(v);
    finish(failure_event(vt, VtEvent::Failure::refused,
                         "messages for it, queued at its deployer, pass the queue's " +
                             std::to_string(cfg_.max_queued_bytes >> 20) + " MiB"));
    return;
  }
  queued_bytes_ += bytes;
  v->second.held.push_back(std::move(m));
}

void Deployment::finish(VtEvent&& event) {
  ++finished_;
  if (event.kind == VtEvent::Kind::failure && event.failure == VtEvent::Failure::lost)
    ++lost_;
  if (event.kind == VtEvent::Kind::failure &&
      (event.failure == VtEvent::Failure::lost || event.failure == VtEvent::Failure::crashed))
    may_resume_.insert(event.vt);
  client_.event(std::move(event));
}

void Deployment::on_event(const std::string& from, VtEvent&& event) {
  if (released_)
    return;
  auto w = workers_.find(from);
  if (w == workers_.end() || !w->second.enrolled)
    return;
  auto v = vts_.find(event.vt);
  if (v == vts_.end() || v->second.worker != from)
    return; // not a VT of this worker's: ignore
  event.peer = from;
  if (event.kind == VtEvent::Kind::blocked || event.kind == VtEvent::Kind::unblocked) {
    bool blocked = event.kind == VtEvent::Kind::blocked;
    if (v->second.blocked != blocked) {
      v->second.blocked = blocked;
      blocked ? ++w->second.blocked : --w->second.blocked;
      if (blocked)
        place(); // its slot is free for a queued VT
    }
    return;
  }
  if (event.kind == VtEvent::Kind::checkpoint) {
    checkpoint_bytes_ += event.value.size();
    replicate(from, event);
  }
  if (event.kind == VtEvent::Kind::partial || event.kind == VtEvent::Kind::message_frame ||
      event.kind == VtEvent::Kind::checkpoint) {
    client_.event(std::move(event));
    return;
  }
  --w->second.outstanding;
  if (v->second.blocked)
    --w->second.blocked;
  vts_.erase(v);
  if (event.kind == VtEvent::Kind::result || event.failure == VtEvent::Failure::exception ||
      event.failure == VtEvent::Failure::refused) {
    // Ended for good (a lost, crashed or cancelled VT may still be resumed by the client).
    for (const std::string& holder : replicas_.forget_vt(event.vt))
      env_.messenger.send(holder, encode(Replica{id_, event.vt, 0, {}}));
  } else {
    replicas_.consumed(from, event.vt); // e.g. "no replica here": not that one again
  }
  finish(std::move(event));
  place();
  suggest_moves();
}

void Deployment::replicate(const std::string& host, const VtEvent& checkpoint) {
  if (!replicas_.enabled() || checkpoint.value.empty())
    return;
  auto plan = replicas_.checkpointed(checkpoint.vt, checkpoint.effect, host, enrolled_names());
  if (!plan.send.empty()) { // encoded once: the snapshot may be large
    net::Bytes message = encode(Replica{id_, checkpoint.vt, checkpoint.effect, checkpoint.value});
    for (const std::string& holder : plan.send)
      env_.messenger.send(holder, message);
  }
  for (const std::string& holder : plan.drop)
    env_.messenger.send(holder, encode(Replica{id_, checkpoint.vt, 0, {}}));
}

void Deployment::on_replica_kept(const std::string& from, VtNumber vt, std::uint64_t effect) {
  if (!released_ && has_worker(from))
    replicas_.kept(from, vt, effect);
}

void Deployment::suggest_moves() {
  if (!request_.balance_load || released_ || !queue_.empty())
    return;
  WorkerRefs refs = enrolled_workers();
  std::vector<WorkerLoad> loads = loads_of(refs);
  std::map<std::string, std::size_t> index;
  for (std::size_t k = 0; k < refs.size(); ++k)
    index[refs[k]->first] = k;
  std::vector<PlacedVt> placed;
  for (const auto& [vt, v] : vts_)
    if (!v.worker.empty() && !suggested_.contains(vt))
      placed.push_back({index.at(v.worker), v.placed, vt});
  Millis now = env_.clock.now();
  for (std::size_t to = 0; to < refs.size() && !placed.empty(); ++to) {
    const std::string& address = refs[to]->first;
    if (auto m = moving_to_.find(address); m != moving_to_.end()) {
      auto v = vts_.find(m->second.first);
      bool arrived = v != vts_.end() && v->second.worker == address;
      if (!arrived && now - m->second.second < Millis{3000})
        continue; // the last suggestion is still on its way
      moving_to_.erase(m);
    }
    auto i = choose_move(loads, to, placed);
    if (!i)
      continue;
    VtEvent hint;
    hint.kind = VtEvent::Kind::rebalance;
    hint.vt = placed[*i].vt;
    hint.peer = address;
    suggested_.insert(hint.vt);
    moving_to_[address] = {hint.vt, now};
    ++loads[to].outstanding; // counts as taken for the next idle worker's choice
    placed.erase(placed.begin() + std::ptrdiff_t(*i));
    client_.event(std::move(hint));
  }
}

void Deployment::on_resign(const std::string& from, const std::string& reason) {
  drop_worker(from, "resigned: " + reason);
}

void Deployment::on_member_gone(const std::string& address, const std::string& why) {
  drop_worker(address, why);
}

void Deployment::on_cluster_changed() {
  if (!released_ && workers_.size() < quota_)
    fill_quota();
}

void Deployment::drop_worker(const std::string& address, const std::string& why) {
  auto w = workers_.find(address);
  if (w == workers_.end() || released_)
    return;
  bool was_enrolled = w->second.enrolled;
  workers_.erase(w);
  replicas_.forget_worker(address);
  refused_at_[address] = env_.clock.now();
  if (!was_enrolled) {
    refusals_[address] = why;
    fill_quota();
    return;
  }
  --enrolled_;
  std::vector<VtNumber> lost;
  for (const auto& [vt, v] : vts_)
    if (v.worker == address)
      lost.push_back(vt);
  std::sort(lost.begin(), lost.end());
  for (VtNumber vt : lost) {
    vts_.erase(vt);
    VtEvent e = failure_event(vt, VtEvent::Failure::lost, "worker " + address + " " + why);
    e.peer = address;
    finish(std::move(e));
  }
  report_workers();
  fill_quota();
}

void Deployment::release() {
  if (released_)
    return;
  released_ = true;
  for (const auto& [address, w] : workers_) {
    env_.messenger.send(address, encode(Release{id_}));
    if (w.enrolled)
      hints_.released(address, w.slots);
  }
  workers_.clear();
  vts_.clear();
  may_resume_.clear();
  queue_.clear();
  queued_bytes_ = 0;
  enrolled_ = 0;
  env_.timers.cancel(std::exchange(deadline_timer_, 0));
  env_.timers.cancel(std::exchange(retry_timer_, 0));
  env_.timers.cancel(std::exchange(starving_timer_, 0));
}

DeploymentStatus Deployment::status() const {
  DeploymentStatus s;
  s.vc = id_;
  s.module = hex(module_.hash);
  s.quota = quota_;
  s.workers = enrolled_;
  s.enrolling = static_cast<unsigned>(workers_.size()) - enrolled_;
  for (const auto& [vt, v] : vts_)
    (v.worker.empty() ? s.queued : s.placed) += 1;
  s.queued_bytes = queued_bytes_;
  s.spawned = spawned_;
  s.finished = finished_;
  s.resumed = resumed_;
  s.migrated = migrated_;
  s.lost = lost_;
  s.checkpoint_bytes = checkpoint_bytes_;
  return s;
}

} // namespace ppp2p::agent::vc
