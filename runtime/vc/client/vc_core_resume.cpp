// VcCore's checkpoints and resumes: capture on request and periodically, restart, migration,
// and resuming a VT from its newest checkpoint.
#include "vc/client/vc_core.hpp"

namespace ppp2p::detail {

bool VcCore::checkpoint(VtCore& vt, std::chrono::nanoseconds timeout) {
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

bool VcCore::restart(VtCore& vt) {
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

bool VcCore::migrate(VtCore& vt, std::chrono::nanoseconds timeout, const std::string& to) {
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

void VcCore::capture_all() {
  std::vector<VtId> running;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, vt] : vts_)
      running.push_back(id);
  }
  for (VtId id : running)
    peer_->capture(id);
}

bool VcCore::resume(VtCore& vt) {
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
  messages_->stopped(vt.id);
  request.replay_through = messages_->applied(vt.id);
  std::uint64_t effect = request.effect;
  peer_->spawn(std::move(request));
  messages_->placed(vt.id, effect);
  vt.ended.notify_all();
  return true;
}

} // namespace ppp2p::detail
