// The client API of virtual computers (ppp2p/virtual_computer.hpp): thin functions over VcCore
// and VtCore (vc_core.hpp), and the choice of peer (embedded, or the local agent).
#include "vc/client/vc_core.hpp"
#include "vc/executor/executor_entry.hpp"

namespace ppp2p {

remote_error::remote_error(errc code, std::string type_name, std::string remote_what,
                           std::string peer)
    : error(code, (type_name.empty() ? std::string() : type_name + ": ") + remote_what + " (on " +
                      peer + ")"),
      type_name_(std::move(type_name)), remote_what_(std::move(remote_what)),
      peer_(std::move(peer)) {}

namespace detail {

const std::vector<std::byte>& wait_result(VtCore& vt) {
  std::unique_lock lock(vt.mutex);
  vt.ended.wait(lock, [&] { return vt.settled(); });
  if (vt.failure)
    throw *vt.failure;
  return vt.result;
}

bool wait_for(VtCore& vt, std::chrono::nanoseconds timeout) {
  std::unique_lock lock(vt.mutex);
  return vt.ended.wait_for(lock, timeout, [&] { return vt.settled(); });
}

void add_partial_handler(VtCore& vt, std::string type,
                         std::function<void(const std::vector<std::byte>&)> handler) {
  std::shared_ptr<VcCore> vc = vt.vc.lock();
  {
    std::lock_guard lock(vt.mutex);
    vt.handlers[type] = std::move(handler);
    if (vc)
      ++vt.drains_pending;
  }
  // Partials that arrived before: delivered on the event thread, ahead of any later one.
  if (vc)
    vc->drain(vt.shared_from_this(), std::move(type));
}

void cancel(VtCore& vt) {
  if (auto vc = vt.vc.lock())
    vc->cancel(vt.id);
}

VtId vt_id(const VtCore& vt) noexcept {
  return vt.id;
}

std::shared_ptr<VtCore> spawn(VcCore& vc, EntryFunction entry, const void* function,
                              std::vector<std::byte> args) {
  return vc.spawn(entry, function, std::move(args));
}

bool checkpoint(VtCore& vt, std::chrono::nanoseconds timeout) {
  auto vc = vt.vc.lock();
  return vc && vc->checkpoint(vt, timeout);
}

bool restart(VtCore& vt) {
  auto vc = vt.vc.lock();
  return vc && vc->restart(vt);
}

bool damage_checkpoint(VtCore& vt) {
  std::lock_guard lock(vt.mutex);
  if (!vt.checkpoint || vt.checkpoint->empty())
    return false;
  std::byte& b = (*vt.checkpoint)[vt.checkpoint->size() / 2];
  b = ~b;
  return true;
}

void damage_next_checkpoint(VtCore& vt) {
  std::lock_guard lock(vt.mutex);
  vt.damage_next_checkpoint = true;
}

unsigned damaged_checkpoints(VtCore& vt) {
  std::lock_guard lock(vt.mutex);
  return vt.damaged_checkpoints;
}

bool migrate(VtCore& vt, std::chrono::nanoseconds timeout, const std::string& to) {
  auto vc = vt.vc.lock();
  return vc && vc->migrate(vt, timeout, to);
}

bool migrate(VcCore& vc, VtId id, std::chrono::nanoseconds timeout, const std::string& to) {
  auto vt = vc.find(id);
  return vt && vc.migrate(*vt, timeout, to);
}

std::string peer(VtCore& vt) {
  std::lock_guard lock(vt.mutex);
  return vt.host;
}

std::vector<std::string> peers(const VcCore& vc) {
  return vc.workers_named();
}

unsigned rebalanced(const VcCore& vc) {
  return vc.rebalanced();
}

std::uint64_t partials_dropped(VtCore& vt) {
  std::lock_guard lock(vt.mutex);
  return vt.partials_dropped;
}

unsigned resumes(VtCore& vt) {
  std::lock_guard lock(vt.mutex);
  return vt.resumes;
}

void client_send(VcCore& vc, VtId to, const char* type, Bytes value) {
  vc.messages().client_send(to, type, std::move(value));
}

std::optional<Bytes> client_receive(VcCore& vc, VtId from, const char* type, bool block) {
  return vc.messages().client_receive(from, type, block);
}

GlobalValue client_global_read(VcCore& vc, const std::string& name, const char* type) {
  return vc.messages().client_read(name, type);
}

void client_global_write(VcCore& vc, const std::string& name, const char* type, Bytes value) {
  vc.messages().client_write(name, type, std::move(value));
}

GlobalLease client_global_acquire(VcCore& vc, const std::string& name, const char* type) {
  return vc.messages().client_acquire(name, type);
}

void client_global_release(VcCore& vc, const std::string& name, const char*,
                           const GlobalLease& lease, const Bytes* value) noexcept {
  vc.messages().client_release(name, lease, value);
}

} // namespace detail

VirtualComputer::VirtualComputer(Options options) {
  detail::refuse_virtual_computer_inside_executor();
  core_ = std::make_shared<detail::VcCore>();
  core_->start(options);
}

VirtualComputer::~VirtualComputer() {
  core_->release();
}

unsigned VirtualComputer::workers() const {
  return core_->workers();
}

} // namespace ppp2p
