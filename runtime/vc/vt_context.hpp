// The virtual thread a thread of an executor is running: for ppp2p::self() and report().
#pragma once

#include <ppp2p/vt.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace ppp2p::detail {

struct VtContext {
  VtId id = 0;
  /// Sends a partial result (type name, encoded value) to the peer.
  std::function<void(const char* type, std::vector<std::byte> bytes)> report;
};

/// Installs `context` on this thread for its lifetime.
class ScopedVtContext {
public:
  explicit ScopedVtContext(VtContext* context);
  ~ScopedVtContext();
  ScopedVtContext(const ScopedVtContext&) = delete;
  ScopedVtContext& operator=(const ScopedVtContext&) = delete;

private:
  VtContext* previous_;
};

} // namespace ppp2p::detail
