// Swim: lifecycle, probing and messaging. The member state machine is in swim_state.cpp.
#include "ppp2p/net/membership/swim.hpp"

#include <algorithm>
#include <memory>

#include "ppp2p/net/membership/codec.hpp"

namespace ppp2p::net::membership {

Swim::Swim(Environment env, Config cfg, SelfInfo self) : env_(env), cfg_(cfg), self_id_(self.id) {
  Member m;
  m.id = self.id;
  m.address = std::move(self.address);
  m.incarnation = self.incarnation;
  m.meta = self.meta;
  m.state_since = env_.clock.now();
  members_.emplace(m.id, std::move(m));
}

Swim::~Swim() {
  stop();
}

void Swim::start(std::vector<std::string> seeds) {
  if (running_)
    return;
  running_ = true;
  seeds_ = std::move(seeds);
  // A random phase keeps members that start together from probing in lock step.
  Millis phase{static_cast<long>(env_.random.below(cfg_.probe_interval.count() + 1))};
  probe_timer_ = after(phase, [this] { probe_tick(); });
  Millis gossip_phase{static_cast<long>(env_.random.below(cfg_.gossip_interval.count() + 1))};
  schedule(gossip_timer_, gossip_phase, &Swim::gossip_tick);
  schedule(push_pull_timer_, cfg_.push_pull_interval, &Swim::push_pull_tick);
  schedule(reconnect_timer_, cfg_.reconnect_interval, &Swim::reconnect_tick);
  join_tick();
}

void Swim::stop() {
  running_ = false;
  for (TimerId id : timers_)
    env_.timers.cancel(id);
  timers_.clear();
  probe_timer_ = gossip_timer_ = push_pull_timer_ = reconnect_timer_ = join_timer_ = 0;
  probes_.clear();
  ack_waiters_.clear();
  suspicions_.clear();
}

TimerId Swim::after(Millis delay, std::function<void()> fn) {
  auto self = std::make_shared<TimerId>(0);
  TimerId id = env_.timers.after(delay, [this, self, fn = std::move(fn)] {
    timers_.erase(*self);
    fn();
  });
  *self = id;
  timers_.insert(id);
  return id;
}

void Swim::cancel(TimerId id) {
  if (id != 0 && timers_.erase(id))
    env_.timers.cancel(id);
}

void Swim::leave() {
  if (left_ || !running_)
    return;
  left_ = true;
  Member& me = self_mut();
  me.incarnation += 1;
  set_state(me, State::left);
  Update u = update_of(me, self_id_);
  broadcast(u);
  // Tell members directly too: waiting for gossip rounds would delay our exit.
  for (const MemberId& id : random_members(64, {self_id_}, false)) {
    Message m;
    m.gossip.push_back(u);
    send(members_.at(id).address, std::move(m));
  }
  for (auto& [id, p] : probes_) {
    cancel(p.indirect_timer);
    cancel(p.end_timer);
  }
  probes_.clear();
  cancel(std::exchange(probe_timer_, 0));
  cancel(std::exchange(join_timer_, 0));
}

void Swim::schedule(TimerId& slot, Millis delay, void (Swim::*tick)()) {
  slot = after(delay, [this, tick] { (this->*tick)(); });
}

const Member* Swim::find(const MemberId& id) const {
  auto it = members_.find(id);
  return it == members_.end() ? nullptr : &it->second;
}

// ---- probing ----------------------------------------------------------------------------

void Swim::probe_tick() {
  schedule(probe_timer_, cfg_.probe_interval, &Swim::probe_tick);
  if (auto target = next_probe_target(); target && !probes_.contains(*target))
    start_probe(*target);
  // Also probe one member we suspect, out of turn: the probe tells it of the suspicion, and
  // its ack brings back its refutation (or confirms the failure) long before the suspicion
  // times out or the round robin comes back to it.
  std::vector<MemberId> suspects;
  for (auto& [id, s] : suspicions_)
    if (!probes_.contains(id))
      suspects.push_back(id);
  if (!suspects.empty())
    start_probe(suspects[env_.random.below(suspects.size())]);
}

std::optional<MemberId> Swim::next_probe_target() {
  for (int pass = 0; pass < 2; ++pass) {
    while (probe_index_ < probe_order_.size()) {
      const MemberId& id = probe_order_[probe_index_++];
      const Member* m = find(id);
      if (m && id != self_id_ && (m->state == State::alive || m->state == State::suspect))
        return id;
    }
    // End of a round: reshuffle the live members for the next one.
    probe_order_.clear();
    probe_index_ = 0;
    for (auto& [id, m] : members_)
      if (id != self_id_ && (m.state == State::alive || m.state == State::suspect))
        probe_order_.push_back(id);
    for (std::size_t i = probe_order_.size(); i > 1; --i)
      std::swap(probe_order_[i - 1], probe_order_[env_.random.below(i)]);
  }
  return std::nullopt;
}

void Swim::start_probe(const MemberId& target) {
  const Member* m = find(target);
  if (!m || left_)
    return;
  ++stats_.probes;
  Probe& p = probes_[target];
  p.seq = expect_ack(
      [this, target] {
        if (auto it = probes_.find(target); it != probes_.end()) {
          if (!it->second.acked && probe_listener_)
            probe_listener_(target, true);
          it->second.acked = true;
        }
        final_probe_acked(target);
      },
      cfg_.probe_interval);
  Message ping;
  ping.kind = BodyKind::ping;
  ping.seq = p.seq;
  ping.target = target;
  // Lifeguard's buddy system: a suspect hears of its suspicion from whoever probes it, so it
  // can refute at once instead of waiting for gossip to reach it.
  if (m->state == State::suspect)
    ping.gossip.push_back(update_of(*m, self_id_));
  if (probe_listener_)
    probe_listener_(target, false);
  send(m->address, std::move(ping));
  p.indirect_timer = after(cfg_.probe_timeout, [this, target] {
    auto it = probes_.find(target);
    const Member* tm = find(target);
    if (it == probes_.end() || it->second.acked || !tm)
      return;
    it->second.indirect_timer = 0;
    for (const MemberId& via : random_members(cfg_.indirect_checks, {self_id_, target}, false)) {
      ++stats_.probes_indirect;
      Message req;
      req.kind = BodyKind::ping_req;
      req.seq = it->second.seq;
      req.target = target;
      req.target_address = tm->address;
      send(members_.at(via).address, std::move(req));
    }
  });
  p.end_timer = after(cfg_.probe_interval, [this, target] { finish_probe(target); });
}

void Swim::finish_probe(const MemberId& target) {
  auto it = probes_.find(target);
  if (it == probes_.end())
    return;
  Probe p = it->second;
  probes_.erase(it);
  cancel(p.indirect_timer);
  if (auto w = ack_waiters_.find(p.seq); w != ack_waiters_.end()) {
    cancel(w->second.expiry);
    ack_waiters_.erase(w);
  }
  if (p.acked)
    return;
  Member* m = members_.contains(target) ? &members_.at(target) : nullptr;
  if (!m || (m->state != State::alive && m->state != State::suspect))
    return;
  ++stats_.probes_failed;
  Update u = update_of(*m, self_id_);
  u.state = State::suspect;
  apply(u);
}

void Swim::hint_unreachable(const std::string& address) {
  if (!running_ || left_)
    return;
  for (auto& [id, m] : members_) {
    if (id != self_id_ && m.address == address && m.state == State::alive &&
        !probes_.contains(id)) {
      start_probe(id);
      return;
    }
  }
}

void Swim::hint_refused(const std::string& address) {
  if (!running_ || left_)
    return;
  for (auto& [id, m] : members_) {
    if (id == self_id_ || m.address != address || !is_live(m.state))
      continue;
    if (auto p = probes_.find(id); p != probes_.end() && p->second.acked)
      return; // it answered this very probe round: whatever refused, it was not its process
    if (m.state == State::alive) {
      Update u = update_of(m, self_id_);
      u.state = State::suspect;
      apply(u); // starts the suspicion and spreads it
    }
    auto it = suspicions_.find(id);
    if (it == suspicions_.end() || it->second.refused)
      return;
    it->second.refused = true;
    it->second.final_failures = cfg_.final_probes > 0 ? cfg_.final_probes - 1 : 0;
    open_final_window(id, it->second);
    return;
  }
}

std::uint32_t Swim::expect_ack(std::function<void()> on_ack, Millis expiry) {
  std::uint32_t seq = next_seq_++;
  if (next_seq_ == 0)
    next_seq_ = 1;
  AckWaiter& w = ack_waiters_[seq];
  w.on_ack = std::move(on_ack);
  w.expiry = after(expiry, [this, seq] { ack_waiters_.erase(seq); });
  return seq;
}

std::vector<MemberId> Swim::random_members(std::size_t k, const std::set<MemberId>& exclude,
                                           bool include_recently_dead) {
  Millis now = env_.clock.now();
  auto eligible = [&](const MemberId& id) {
    if (exclude.contains(id))
      return false;
    const Member& m = members_.at(id);
    return is_live(m.state) || (include_recently_dead && m.state == State::dead &&
                                now - m.state_since < cfg_.gossip_to_dead);
  };
  std::vector<MemberId> out;
  if (k == 0 || others_.empty())
    return out;
  if (others_.size() > 8 * k) {
    // Large groups: sample by rejection; almost every member is eligible in practice.
    for (std::size_t tries = 0; tries < 16 * k && out.size() < k; ++tries) {
      const MemberId& id = others_[env_.random.below(others_.size())];
      if (eligible(id) && std::find(out.begin(), out.end(), id) == out.end())
        out.push_back(id);
    }
    if (out.size() == k)
      return out;
    out.clear();
  }
  // Small groups (or a mostly dead one): partial Fisher-Yates over the eligible members.
  for (const MemberId& id : others_)
    if (eligible(id))
      out.push_back(id);
  std::size_t n = std::min(k, out.size());
  for (std::size_t i = 0; i < n; ++i)
    std::swap(out[i], out[i + env_.random.below(out.size() - i)]);
  out.resize(n);
  return out;
}

// ---- periodic rounds ----------------------------------------------------------------------

void Swim::gossip_tick() {
  schedule(gossip_timer_, cfg_.gossip_interval, &Swim::gossip_tick);
  if (broadcasts_.empty())
    return;
  for (const MemberId& id : random_members(cfg_.gossip_fanout, {self_id_}, true)) {
    if (broadcasts_.empty())
      break;
    send(members_.at(id).address, Message{});
  }
}

void Swim::push_pull_tick() {
  schedule(push_pull_timer_, push_pull_period(cfg_, live_count()), &Swim::push_pull_tick);
  if (left_)
    return;
  for (const MemberId& id : random_members(1, {self_id_}, false))
    send_sync(members_.at(id).address, false);
}

void Swim::reconnect_tick() {
  schedule(reconnect_timer_, cfg_.reconnect_interval, &Swim::reconnect_tick);
  reap();
  unknown_synced_.clear();
  if (left_)
    return;
  std::vector<const Member*> dead;
  for (auto& [id, m] : members_)
    if (m.state == State::dead)
      dead.push_back(&m);
  if (!dead.empty())
    send_sync(dead[env_.random.below(dead.size())]->address, false);
}

void Swim::join_tick() {
  if (left_ || seeds_.empty())
    return;
  if (live_count() <= 1)
    for (const std::string& seed : seeds_)
      if (seed != self().address)
        send_sync(seed, false);
  schedule(join_timer_, cfg_.join_retry_interval, &Swim::join_tick);
}

// ---- messages ----------------------------------------------------------------------------

void Swim::send(const std::string& address, Message m) {
  const Member& me = self();
  m.sender = self_id_;
  m.sender_address = me.address;
  // A full sync carries all news already. Otherwise piggyback, but do not spend a
  // transmission on telling a member that it is alive.
  if (m.kind != BodyKind::sync) {
    std::size_t room =
        cfg_.max_piggyback > m.gossip.size() ? cfg_.max_piggyback - m.gossip.size() : 0;
    auto to_recipient = [&](const Update& u) {
      return u.state == State::alive && u.address == address;
    };
    for (Update& u : broadcasts_.take(room, retransmit_limit(cfg_, live_count()), to_recipient))
      m.gossip.push_back(std::move(u));
  }
  ++stats_.messages_sent;
  env_.transport.send(address, encode(m));
}

void Swim::send_sync(const std::string& address, bool reply) {
  Message m;
  m.kind = BodyKind::sync;
  m.reply = reply;
  m.members.reserve(members_.size());
  for (auto& [id, member] : members_)
    m.members.push_back(update_of(member));
  send(address, std::move(m));
}

void Swim::on_message(ByteView bytes, const MemberId* authenticated_sender) {
  if (!running_)
    return;
  auto decoded = decode(bytes, cfg_.max_message);
  if (!decoded || (authenticated_sender && decoded->sender != *authenticated_sender)) {
    ++stats_.messages_invalid;
    return;
  }
  const Message& m = *decoded;
  if (m.sender == self_id_)
    return; // our own message, e.g. a seed list that names ourselves
  ++stats_.messages_received;
  std::vector<Update> corrections; // newer news for the sender, filled by apply()
  corrections_ = &corrections;
  for (const Update& u : m.gossip)
    apply(u);
  if (m.kind != BodyKind::sync && !members_.contains(m.sender) && !left_ &&
      unknown_synced_.insert(m.sender_address).second) {
    // A member that knows us but that we have not heard of (its news missed us): exchange
    // full state with it, once per reconnect round.
    send_sync(m.sender_address, false);
  }
  switch (m.kind) {
  case BodyKind::none:
    break;
  case BodyKind::ping:
    handle_ping(m, corrections);
    break;
  case BodyKind::ping_req:
    handle_ping_req(m);
    break;
  case BodyKind::ack:
    handle_ack(m);
    break;
  case BodyKind::nack:
    break; // counted in messages_received; we do not scale timeouts by local health
  case BodyKind::sync:
    for (const Update& u : m.members)
      apply(u);
    if (!m.reply) {
      send_sync(m.sender_address, true); // our whole state answers everything
      corrections.clear();
    }
    break;
  }
  corrections_ = nullptr;
  if (!corrections.empty()) {
    Message fix;
    fix.gossip = std::move(corrections);
    send(m.sender_address, std::move(fix));
  }
}

void Swim::handle_ping(const Message& m, std::vector<Update>& corrections) {
  if (m.target && *m.target != self_id_)
    return; // meant for whoever had this address before us
  Message ack;
  ack.kind = BodyKind::ack;
  ack.seq = m.seq;
  ack.gossip = std::move(corrections); // the ack carries them
  corrections.clear();
  send(m.sender_address, std::move(ack));
}

void Swim::handle_ping_req(const Message& m) {
  if (left_ || !m.target)
    return;
  std::string requester = m.sender_address;
  std::uint32_t their_seq = m.seq;
  auto forwarded = std::make_shared<bool>(false);
  std::uint32_t seq = expect_ack(
      [this, requester, their_seq, forwarded] {
        if (*forwarded)
          return;
        *forwarded = true;
        Message ack;
        ack.kind = BodyKind::ack;
        ack.seq = their_seq;
        send(requester, std::move(ack));
      },
      cfg_.probe_interval);
  // Tell the requester in time when the target stays silent (a nack: "I tried").
  after(cfg_.probe_timeout, [this, requester, their_seq, forwarded] {
    if (*forwarded)
      return;
    *forwarded = true;
    Message nack;
    nack.kind = BodyKind::nack;
    nack.seq = their_seq;
    send(requester, std::move(nack));
  });
  Message ping;
  ping.kind = BodyKind::ping;
  ping.seq = seq;
  ping.target = m.target;
  send(m.target_address, std::move(ping));
}

void Swim::handle_ack(const Message& m) {
  auto it = ack_waiters_.find(m.seq);
  if (it == ack_waiters_.end())
    return;
  auto fn = it->second.on_ack; // it may erase itself
  fn();
}

void Swim::emit(Event e, const Member& m, State before) {
  if (listener_)
    listener_(e, m, before);
}

} // namespace ppp2p::net::membership
