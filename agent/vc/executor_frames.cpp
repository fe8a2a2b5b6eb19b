#include "executor_frames.hpp"

#include "vc/executor/executor_protocol.hpp"

namespace ppp2p::agent::vc {

namespace wire = ppp2p::detail::executor_wire;

std::optional<ExecutorMessage> decode_executor_frame(net::ByteView frame, bool started,
                                                     std::string& violation) {
  std::string error;
  std::optional<wire::Event> event = wire::decode_event(std::as_bytes(frame), error);
  if (!event) {
    violation = "sent " + error;
    return std::nullopt;
  }
  if (std::holds_alternative<wire::Started>(*event)) {
    if (started) {
      violation = "sent Started twice";
      return std::nullopt;
    }
    return ExecutorMessage{true, {}};
  }
  if (!started) {
    violation = "sent an event before Started";
    return std::nullopt;
  }
  return ExecutorMessage{false, std::move(std::get<VtEvent>(*event))};
}

} // namespace ppp2p::agent::vc
