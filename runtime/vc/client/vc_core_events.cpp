// VcCore's events from the peer: results, failures (and the resumes they call for), partial
// results and checkpoints, and the event thread that delivers them in order.
#include "vc/client/vc_core.hpp"

#include "snapshot_format.hpp"

namespace ppp2p::detail {

// A checkpoint is the VT's resume point, and the client's copy is the one that counts: it is
// verified (header, checksum, structure) as it arrives, before it replaces the previous one or
// releases the messages it covers. A damaged one is ignored; the previous one stays.
bool VcCore::verified(VtCore& vt, VtEvent& event) {
  {
    std::lock_guard lock(vt.mutex);
    if (std::exchange(vt.damage_next_checkpoint, false) && !event.value.empty())
      event.value[event.value.size() / 2] = ~event.value[event.value.size() / 2];
  }
  try {
    (void)decode_snapshot(event.value);
    return true;
  } catch (const error& e) {
    std::lock_guard lock(vt.mutex);
    ++vt.damaged_checkpoints;
    std::fprintf(stderr,
                 "ppp2p: VT %u: a checkpoint from %s is damaged and ignored (%s); its previous "
                 "one stays\n",
                 unsigned(vt.id), event.peer.empty() ? "its worker" : event.peer.c_str(), e.what());
    return false;
  }
}

void VcCore::on_event(VtEvent&& event) {
  std::shared_ptr<VtCore> vt;
  {
    std::lock_guard lock(mutex_);
    auto it = vts_.find(event.vt);
    if (it == vts_.end())
      return;
    vt = it->second;
  }
  switch (event.kind) {
  case VtEvent::Kind::blocked:
  case VtEvent::Kind::unblocked:
    return; // the deployer's bookkeeping: no peer passes them to a client
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
  case VtEvent::Kind::message_frame:
    try {
      messages_->from_vt(vt->id, event.value);
    } catch (const error& e) {
      std::fprintf(stderr, "ppp2p: VT %u is stopped: %s\n", unsigned(vt->id), e.what());
      peer_->cancel(vt->id);
    }
    return;
  case VtEvent::Kind::checkpoint: {
    if (!verified(*vt, event))
      return;
    messages_->checkpointed(vt->id, event.effect);
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
    if (!messages_->accept_effect(vt->id, event.effect))
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
    messages_->finished(vt->id);
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
  case VtEvent::Kind::message_frame:
  case VtEvent::Kind::checkpoint:
  case VtEvent::Kind::rebalance:
  case VtEvent::Kind::blocked:
  case VtEvent::Kind::unblocked:
    return; // handled above
  case VtEvent::Kind::result:
    item.what = Pending::result;
    break;
  case VtEvent::Kind::partial:
    break;
  case VtEvent::Kind::failure: {
    errc code = event.failure == VtEvent::Failure::cancelled           ? errc::vt_cancelled
                : event.failure == VtEvent::Failure::crashed           ? errc::executor_crashed
                : event.failure == VtEvent::Failure::refused           ? errc::spawn_refused
                : event.failure == VtEvent::Failure::lost              ? errc::vt_lost
                : event.failure == VtEvent::Failure::sandbox_violation ? errc::sandbox_violation
                                                                       : errc::remote_exception;
    item.what = Pending::failed;
    item.failure = std::make_unique<remote_error>(code, item.type, event.what, event.peer);
    break;
  }
  }
  post(std::move(item));
}

void VcCore::finish(VtCore& vt, std::vector<std::byte>* result,
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

void VcCore::keep_unclaimed(VtCore& vt, const std::string& type, std::vector<std::byte> value) {
  vt.unclaimed_bytes += value.size();
  vt.unclaimed.emplace_back(type, std::move(value));
  std::uint64_t dropped = 0;
  while (vt.unclaimed_bytes > kUnclaimedPartialBytes && vt.unclaimed.size() > 1) {
    vt.unclaimed_bytes -= vt.unclaimed.front().second.size();
    vt.unclaimed.pop_front();
    ++dropped;
  }
  if (dropped != 0 && vt.partials_dropped == 0)
    std::fprintf(stderr,
                 "ppp2p: VT %u reported more than %zu MiB of partial results that no handler "
                 "took; the oldest are dropped (VirtualThread::partials_dropped counts them)\n",
                 unsigned(vt.id), kUnclaimedPartialBytes >> 20);
  vt.partials_dropped += dropped;
}

void VcCore::deliver_partials() {
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

void VcCore::stop_events() {
  {
    std::lock_guard lock(events_mutex_);
    stopping_ = true;
    events_ready_.notify_all();
  }
  join_or_detach(events_thread_);
}

} // namespace ppp2p::detail
