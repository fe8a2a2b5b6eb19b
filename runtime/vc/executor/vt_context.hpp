// The virtual thread a thread of an executor is running: for ppp2p::self(), report(), and the
// message and global operations.
#pragma once

#include <ppp2p/vt.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace ppp2p::detail {

class VtMessages;

struct VtContext {
  VtId id = 0;
  VtMessages* messages = nullptr;
  /// Sends a partial result (type name, encoded value, its effect number) to the peer.
  std::function<void(const char* type, std::vector<std::byte> bytes, std::uint64_t effect)> report;
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
