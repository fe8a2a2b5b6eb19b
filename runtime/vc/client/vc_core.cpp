// VcCore's life: creating the VC (the peer, the messages owner, the event thread, the
// periodic checkpoints) and releasing it.
#include "vc/client/vc_core.hpp"

namespace ppp2p::detail {

void VcCore::start(const VirtualComputerOptions& options) {
  VcRequest request;
  request.workers = options.workers;
  request.slots_per_worker = options.slots_per_worker;
  request.min_speed = options.min_speed;
  request.enrol_timeout = options.enrol_timeout;
  request.balance_load = options.balance_load;
  request.replicas = options.replicas;
  request.memory_limit_mib = options.memory_limit_mib;
  if (options.balance_load)
    mover_ = std::make_unique<JobQueue>();
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n > 0)
    request.module_path.assign(path, std::size_t(n));
  MessageLimits limits;
  limits.buffer_bytes = options.message_buffer_bytes;
  messages_ = std::make_unique<MessagesOwner>(limits, [this](VtId vt, Bytes frame) {
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

std::shared_ptr<VtCore> VcCore::spawn(EntryFunction entry, const void* function,
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
  messages_->placed(vt->id, 0);
  return vt;
}

VcCore::~VcCore() {
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

void VcCore::release() {
  {
    // What ends from now on is not resumed; a resume in progress finishes first.
    std::lock_guard lock(resume_mutex_);
    releasing_ = true;
  }
  checkpointer_.reset();
  messages_->close("the virtual computer was released");
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

} // namespace ppp2p::detail
