// Swim: the member state machine. Which news wins follows SWIM: a higher incarnation beats a
// lower one; at the same incarnation suspect beats alive and dead/left beat both; only the
// member itself raises its incarnation (to refute).
#include <algorithm>

#include "ppp2p/net/membership/swim.hpp"

namespace ppp2p::net::membership {

Update Swim::update_of(const Member& m, std::optional<MemberId> from) const {
  return {m.id, m.address, m.incarnation, m.state, m.meta, from};
}

void Swim::set_state(Member& m, State s) {
  State before = m.state;
  live_count_ += static_cast<std::size_t>(is_live(s)) - static_cast<std::size_t>(is_live(before));
  m.state = s;
  m.state_since = env_.clock.now();
  if (before != s)
    emit(Event::state_changed, m, before);
}

void Swim::apply(const Update& u) {
  if (u.id == self_id_) {
    on_self(u);
    return;
  }
  switch (u.state) {
  case State::alive:
    on_alive(u);
    break;
  case State::suspect:
    on_suspect(u);
    break;
  case State::dead:
  case State::left:
    on_dead(u);
    break;
  }
}

void Swim::on_alive(const Update& u) {
  auto it = members_.find(u.id);
  if (it == members_.end()) {
    if (members_.size() >= cfg_.max_members && !make_room()) {
      ++stats_.members_refused;
      return;
    }
    Member m;
    m.id = u.id;
    m.address = u.address;
    m.incarnation = u.incarnation;
    m.state = State::alive;
    m.meta = u.meta;
    m.state_since = env_.clock.now();
    const Member& added = members_.emplace(u.id, std::move(m)).first->second;
    others_.push_back(u.id);
    ++live_count_;
    // Probe it in this round too, at a random place among those still to come.
    std::size_t pos = probe_index_ + env_.random.below(probe_order_.size() - probe_index_ + 1);
    probe_order_.insert(probe_order_.begin() + static_cast<long>(pos), u.id);
    broadcast(update_of(added));
    emit(Event::joined, added, State::alive);
    return;
  }
  Member& m = it->second;
  if (u.incarnation <= m.incarnation)
    return;
  bool changed = m.address != u.address || !(m.meta == u.meta);
  m.incarnation = u.incarnation;
  m.address = u.address;
  m.meta = u.meta;
  if (auto s = suspicions_.find(u.id); s != suspicions_.end()) {
    cancel(s->second.timer);
    suspicions_.erase(s);
  }
  if (m.state != State::alive)
    set_state(m, State::alive);
  else if (changed)
    emit(Event::updated, m, State::alive);
  broadcast(update_of(m));
}

void Swim::on_suspect(const Update& u) {
  auto it = members_.find(u.id);
  if (it == members_.end())
    return; // we cannot probe what we never heard of
  Member& m = it->second;
  if (u.incarnation < m.incarnation) {
    correct_stale_accusation(m);
    return;
  }
  if (!is_live(m.state))
    return;
  if (m.state == State::suspect && u.incarnation == m.incarnation) {
    if (u.from)
      confirm_suspicion(m, *u.from);
    return;
  }
  m.incarnation = u.incarnation;
  if (u.from && *u.from == self_id_)
    ++stats_.suspicions;
  set_state(m, State::suspect);
  start_suspicion(m, u.from);
  broadcast(u);
}

void Swim::on_dead(const Update& u) {
  auto it = members_.find(u.id);
  if (it == members_.end())
    return;
  Member& m = it->second;
  if (u.incarnation < m.incarnation) {
    correct_stale_accusation(m);
    return;
  }
  // A member that announced its own departure is "left", not "dead", whatever came first.
  bool upgrade_to_left = m.state == State::dead && u.state == State::left;
  if (!is_live(m.state) && !upgrade_to_left)
    return;
  m.incarnation = u.incarnation;
  if (auto s = suspicions_.find(u.id); s != suspicions_.end()) {
    cancel(s->second.timer);
    suspicions_.erase(s);
  }
  set_state(m, u.state);
  broadcast(u);
}

void Swim::on_self(const Update& u) {
  Member& me = self_mut();
  if (left_)
    return;
  if (u.incarnation < me.incarnation) {
    if (u.state != State::alive)
      correct_stale_accusation(me);
    return;
  }
  if (u.state == State::alive && u.incarnation == me.incarnation)
    return; // our own news coming back
  refute(u.incarnation);
}

// Someone still spreads an accusation that a newer alive message already answered (a member
// that missed the refutation): spread the answer again, with fresh transmissions, and send it
// to the member the stale news came from. This stops by itself once nobody holds the stale
// news any more.
void Swim::correct_stale_accusation(const Member& m) {
  if (m.state != State::alive)
    return;
  broadcast(update_of(m));
  // And straight back to whoever sent the stale news (see on_message).
  if (corrections_ && std::none_of(corrections_->begin(), corrections_->end(),
                                   [&](const Update& u) { return u.id == m.id; }))
    corrections_->push_back(update_of(m));
}

void Swim::refute(std::uint64_t accused_incarnation) {
  Member& me = self_mut();
  me.incarnation = std::max(me.incarnation, accused_incarnation) + 1;
  ++stats_.refutations;
  broadcast(update_of(me));
}

void Swim::update_meta(const Meta& meta) {
  Member& me = self_mut();
  if (me.meta == meta || left_)
    return;
  me.meta = meta;
  me.incarnation += 1;
  broadcast(update_of(me));
}

// ---- suspicion ----------------------------------------------------------------------------

void Swim::start_suspicion(Member& m, const std::optional<MemberId>& accuser) {
  Suspicion& s = suspicions_[m.id];
  cancel(s.timer);
  s = Suspicion{};
  s.incarnation = m.incarnation;
  s.started = env_.clock.now();
  if (accuser)
    s.confirmers.insert(*accuser);
  arm_suspicion_timer(m.id);
}

void Swim::confirm_suspicion(Member& m, const MemberId& confirmer) {
  auto it = suspicions_.find(m.id);
  if (it == suspicions_.end() || !it->second.confirmers.insert(confirmer).second)
    return;
  arm_suspicion_timer(m.id);
  // Pass the confirmation on: others shorten their timers too.
  broadcast(update_of(m, confirmer));
}

void Swim::arm_suspicion_timer(const MemberId& id) {
  Suspicion& s = suspicions_.at(id);
  if (s.last_chance)
    return; // the final probe decides
  cancel(s.timer);
  std::size_t confirmations = s.confirmers.empty() ? 0 : s.confirmers.size() - 1;
  Millis timeout = suspicion_timeout(cfg_, live_count(), confirmations);
  Millis elapsed = env_.clock.now() - s.started;
  Millis left = timeout > elapsed ? timeout - elapsed : Millis{0};
  s.timer = after(left, [this, id] { suspicion_expired(id); });
}

void Swim::suspicion_expired(const MemberId& id) {
  auto it = suspicions_.find(id);
  if (it == suspicions_.end())
    return;
  Suspicion& s = it->second;
  auto m = members_.find(id);
  if (m == members_.end() || m->second.state != State::suspect ||
      m->second.incarnation != s.incarnation) {
    suspicions_.erase(it);
    return;
  }
  // The timeout passed. Before declaring a death, probe the suspect ourselves: the probe
  // tells it of the suspicion (buddy system), so a live suspect answers with its refutation
  // even when the gossip carrying it never reached us. Only final probes that fail in a row
  // make it dead; while it answers them it stays suspect.
  if (s.last_chance) {
    if (s.final_probe_acked)
      s.final_failures = 0;
    else
      ++s.final_failures;
  }
  if (s.final_failures >= cfg_.final_probes) {
    Update u = update_of(m->second, self_id_);
    u.state = State::dead;
    suspicions_.erase(it);
    on_dead(u);
    return;
  }
  open_final_window(id, s);
}

void Swim::open_final_window(const MemberId& id, Suspicion& s) {
  s.last_chance = true;
  // A probe already under way is this window's final probe; if its ack came in, that counts.
  auto probe = probes_.find(id);
  s.final_probe_acked = probe != probes_.end() && probe->second.acked;
  cancel(s.timer);
  s.timer = after(cfg_.probe_interval, [this, id] { suspicion_expired(id); });
  if (probe == probes_.end())
    start_probe(id);
}

void Swim::final_probe_acked(const MemberId& id) {
  if (auto it = suspicions_.find(id); it != suspicions_.end() && it->second.last_chance)
    it->second.final_probe_acked = true;
}

bool Swim::make_room() {
  auto oldest = members_.end();
  for (auto it = members_.begin(); it != members_.end(); ++it)
    if (!is_live(it->second.state) && it->first != self_id_ &&
        (oldest == members_.end() || it->second.state_since < oldest->second.state_since))
      oldest = it;
  if (oldest == members_.end())
    return false;
  forget(oldest);
  return true;
}

void Swim::forget(std::map<MemberId, Member>::iterator it) {
  emit(Event::forgotten, it->second, it->second.state);
  others_.erase(std::find(others_.begin(), others_.end(), it->first));
  members_.erase(it);
}

void Swim::reap() {
  Millis now = env_.clock.now();
  for (auto it = members_.begin(); it != members_.end();) {
    Member& m = it->second;
    if (!is_live(m.state) && it->first != self_id_ && now - m.state_since >= cfg_.dead_retention) {
      forget(it++);
    } else {
      ++it;
    }
  }
}

} // namespace ppp2p::net::membership
