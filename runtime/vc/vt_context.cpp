#include "vt_context.hpp"

#include <ppp2p/errors.hpp>

namespace ppp2p {
namespace detail {
namespace {
thread_local VtContext* current = nullptr;
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
  if (current && current->report)
    current->report(type, std::move(bytes));
}

} // namespace detail

VtId self() {
  if (!detail::current)
    throw error(errc::not_in_vt, "ppp2p::self() outside a virtual thread");
  return detail::current->id;
}

} // namespace ppp2p
