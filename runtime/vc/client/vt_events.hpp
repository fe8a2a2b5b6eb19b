// Building VtEvents: the failures every peer connection, deployer and worker reports.
#pragma once

#include <string>
#include <utility>

#include "vc/client/peer_connection.hpp"

namespace ppp2p::detail {

inline VtEvent failure_event(VtNumber vt, VtEvent::Failure kind, std::string what) {
  VtEvent e;
  e.kind = VtEvent::Kind::failure;
  e.failure = kind;
  e.vt = vt;
  e.what = std::move(what);
  return e;
}

} // namespace ppp2p::detail
