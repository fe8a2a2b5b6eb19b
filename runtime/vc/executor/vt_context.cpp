// The API inside a virtual thread: self(), report(), messages and globals, all through the
// context the executor installed on the VT's thread.
#include "vc/executor/vt_context.hpp"
#include "vc/messages/vt_messages.hpp"

#include <ppp2p/errors.hpp>
#include <ppp2p/messages.hpp>

namespace ppp2p {
namespace detail {
namespace {

thread_local VtContext* current = nullptr;

VtMessages& current_messages(const char* operation) {
  if (!current || !current->messages)
    throw error(errc::not_in_vt, std::string(operation) +
                                     " outside a virtual thread (the client uses the "
                                     "VirtualComputer's own send, receive and global)");
  return *current->messages;
}

} // namespace

ScopedVtContext::ScopedVtContext(VtContext* context) : previous_(current) {
  current = context;
}
ScopedVtContext::~ScopedVtContext() {
  current = previous_;
}

void report_bytes(const char* type, std::vector<std::byte> bytes) {
  // Outside a virtual thread (the same function run directly, in a test say) there is nobody
  // to report to: partial results are dropped.
  if (!current || !current->report)
    return;
  std::uint64_t effect = current->messages ? current->messages->next_report_effect() : 0;
  current->report(type, std::move(bytes), effect);
}

bool vt_send(VtId to, const char* type, Bytes& value) {
  return current_messages("ppp2p::send").send(to, type, value);
}

std::optional<Bytes> vt_receive(VtId from, const char* type) {
  return current_messages("ppp2p::receive").receive(from, type, true);
}

std::optional<Bytes> vt_try_receive(VtId from, const char* type) {
  return current_messages("ppp2p::try_receive").receive(from, type, false);
}

GlobalValue vt_global_read(const std::string& name, const char* type) {
  return current_messages("ppp2p::Global::read").global_read(name, type);
}

void vt_global_write(const std::string& name, const char* type, Bytes value) {
  current_messages("ppp2p::Global::write").global_write(name, type, std::move(value));
}

GlobalLease vt_global_acquire(const std::string& name, const char* type) {
  return current_messages("ppp2p::Global::update").global_acquire(name, type);
}

void vt_global_release(const std::string& name, const char* type, const GlobalLease& lease,
                       const Bytes* value) noexcept {
  if (current && current->messages)
    current->messages->global_release(name, type, lease, value);
}

} // namespace detail

VtId self() {
  if (!detail::current)
    throw error(errc::not_in_vt, "ppp2p::self() outside a virtual thread");
  return detail::current->id;
}

} // namespace ppp2p
