// What an executor may send its agent (runtime/vc/executor/executor.fbs, FromExecutor), decoded and
// checked. An executor runs another member's code, so each of its frames is hostile until this
// says otherwise; a frame that breaks the protocol gets its executor killed.
#pragma once

#include <optional>
#include <string>

#include "deploy_messages.hpp"
#include "ppp2p/net/bytes.hpp"
#include "vc/executor/executor_protocol.hpp"

namespace ppp2p::agent::vc {

struct ExecutorMessage {
  bool started = false; // the Started event (then `event` is empty)
  VtEvent event;
};

/// Decodes one frame (its payload). `started`: whether the executor said Started already.
/// nullopt with `violation` set ("sent an invalid frame", "sent an event before Started", ...)
/// when the frame breaks the protocol.
std::optional<ExecutorMessage> decode_executor_frame(net::ByteView frame, bool started,
                                                     std::string& violation);

} // namespace ppp2p::agent::vc
