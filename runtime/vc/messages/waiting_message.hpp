// A message between VTs as it waits for its receiver, at the owner (Mailbox) and in the
// receiving VT (VtMessages).
#pragma once

#include <ppp2p/messages.hpp>

#include <cstdint>
#include <string>

namespace ppp2p::detail {

struct WaitingMessage {
  VtId from = 0;
  std::uint64_t number = 0; // the sender's effect number of its send
  std::string type;         // typeid name of the value's type
  Bytes value;
};

} // namespace ppp2p::detail
