// The deployer <-> worker messages (schema/deploy.fbs) as C++ values, and their encoding.
// decode() verifies the FlatBuffer and every field's range: it is the only way bytes from
// another agent reach the deployer and worker logic.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "ppp2p/net/bytes.hpp"
#include "vc/agent_link/client_protocol.hpp"
#include "vc/client/peer_connection.hpp"
#include "vc/client/vt_events.hpp"

namespace ppp2p::agent::vc {

using detail::failure_event;
using detail::SpawnRequest;
using detail::VtEvent;
using detail::VtNumber;
using VcId = std::uint64_t;

using ModuleHash = std::array<std::uint8_t, 32>;
std::string hex(const ModuleHash& h);

inline constexpr std::uint64_t kMaxModuleSize = 1ull << 30;
inline constexpr std::uint32_t kMaxChunk = 1u << 20;
inline constexpr unsigned kMaxSlots = 4096;
using detail::client_wire::kMaxValue; // a VT's arguments

struct EnrolRequest {
  VcId vc = 0;
  ModuleHash module{};
  std::uint64_t module_size = 0;
  unsigned slots = 0;
  std::uint64_t memory_limit_mib = 0; // per executor; 0: the worker's own limit
};
struct EnrolReply {
  bool accepted = false;
  unsigned slots = 0;
  std::string reason;
};
struct FetchChunk {
  ModuleHash module{};
  std::uint64_t offset = 0;
  std::uint32_t length = 0;
};
struct Chunk {
  net::Bytes data;
  std::string error;
};
struct Spawn {
  VcId vc = 0;
  SpawnRequest request;
};
struct Cancel {
  VcId vc = 0;
  VtNumber vt = 0;
};
struct Release {
  VcId vc = 0;
};
struct Resign {
  VcId vc = 0;
  std::string reason;
};
struct Event {
  VcId vc = 0;
  VtEvent event; // event.peer is not sent: the deployer knows who sent it
};
// Asks a VT to capture itself at its next site (a checkpoint event follows).
struct Capture {
  VcId vc = 0;
  VtNumber vt = 0;
};
// A message frame (runtime/vc/messages/messages.fbs) for a VT, relayed opaquely to its executor.
struct ToVt {
  VcId vc = 0;
  VtNumber vt = 0;
  std::vector<std::byte> frame;
};

// Keep this checkpoint of a VT (empty: drop what is kept), to resume it here if need be.
struct Replica {
  VcId vc = 0;
  VtNumber vt = 0;
  std::uint64_t effect = 0;
  std::vector<std::byte> snapshot;
};
struct ReplicaKept {
  VcId vc = 0;
  VtNumber vt = 0;
  std::uint64_t effect = 0;
};

using Message = std::variant<EnrolRequest, EnrolReply, FetchChunk, Chunk, Spawn, Cancel, Release,
                             Resign, Event, Capture, ToVt, Replica, ReplicaKept>;

net::Bytes encode(const Message& m);
// nullopt with `error` saying why when bytes are not a valid message.
std::optional<Message> decode(net::ByteView bytes, std::string& error);

} // namespace ppp2p::agent::vc
