// The executor link's messages (executor.fbs) as C++ values, and their encoding: the one
// implementation used by its three ends, the executor (executor.cpp), the client's embedded
// peer (embedded_peer.cpp) and the agent's process executor (agent/vc). Pure functions, no I/O;
// every decoder verifies the frame and checks every field's range, since on the agent's side
// the executor runs another member's code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "vc/client/peer_connection.hpp"

namespace ppp2p::detail::executor_wire {

using ByteView = std::span<const std::byte>;
using Bytes = std::vector<std::byte>;

/// The largest frame either side sends or accepts (the frame's payload).
inline constexpr std::size_t kMaxFrame = 64u << 20;

// Peer -> executor.
struct Run {
  VtNumber vt = 0;
  std::uint64_t entry = 0; // module offsets, as in SpawnRequest
  std::uint64_t function = 0;
  Bytes args;
  std::optional<Bytes> snapshot; // set: resume it (effect, replay_through as in SpawnRequest)
  std::uint64_t effect = 0;
  std::uint64_t replay_through = 0;
};
struct Cancel {
  VtNumber vt = 0;
};
struct Capture {
  VtNumber vt = 0;
};
struct ToVt {
  VtNumber vt = 0;
  Bytes frame; // a message frame (messages.fbs)
};
struct Shutdown {};
using Command = std::variant<Run, Cancel, Capture, ToVt, Shutdown>;

Bytes encode(const Command& command);
/// nullopt with `error` saying why when `frame` is not a valid command.
std::optional<Command> decode_command(ByteView frame, std::string& error);

// Executor -> peer.
struct Started {
  int pid = 0;
  unsigned slots = 0;
};
/// Started (first and once), or a VtEvent of kind result, failure (exception, cancelled or
/// refused: the others are a peer's verdicts), partial, message frame, checkpoint, blocked or
/// unblocked; `peer` is not sent.
using Event = std::variant<Started, VtEvent>;

Bytes encode(const Event& event);
/// nullopt with `error` saying why when `frame` is not a valid event.
std::optional<Event> decode_event(ByteView frame, std::string& error);

} // namespace ppp2p::detail::executor_wire
