// The client link's messages (client.fbs) as C++ values, and their encoding. Used by both ends:
// the client library (agent_connection.cpp) and the agent (agent/vc/client_server.cpp). Pure
// functions, no I/O; every decoder verifies the frame and checks every field's range.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "vc/client/peer_connection.hpp"

namespace ppp2p::detail::client_wire {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline constexpr std::size_t kFrameHeader = 4;
// A frame carries one value of at most kMaxValue (the executor link's 64 MiB frames bound
// results and partials) and its envelope.
inline constexpr std::size_t kMaxValue = 60u << 20;
inline constexpr std::size_t kMaxFrame = 80u << 20;
inline constexpr std::size_t kMaxModulePath = 4096;
inline constexpr unsigned kMaxWorkers = 4096;
inline constexpr unsigned kMaxSlots = 4096;
inline constexpr std::uint64_t kMaxEnrolTimeoutMs = 3'600'000;

struct Cancel {
  VtNumber vt = 0;
};
struct Release {};
struct Capture {
  VtNumber vt = 0;
};
struct ToVt {
  VtNumber vt = 0;
  std::vector<std::byte> frame;
};
struct VcCreated {
  std::uint64_t vc = 0;
  unsigned workers = 0;
  std::string module_hash;
  std::vector<std::string> names; // the enrolled workers
};
struct VcRefused {
  std::string reason;
};
struct WorkersChanged {
  unsigned workers = 0;
  std::vector<std::string> names; // the enrolled workers
};

using ToAgent = std::variant<VcRequest, std::vector<SpawnRequest>, Cancel, Release, Capture, ToVt>;
using ToClient = std::variant<VcCreated, VcRefused, WorkersChanged, std::vector<VtEvent>>;

// Each appends one whole frame (length prefix + FlatBuffer) to out.
void append_create(Bytes& out, const VcRequest& request);
void append_spawns(Bytes& out, const std::vector<SpawnRequest>& spawns, std::size_t begin,
                   std::size_t end);
void append_cancel(Bytes& out, VtNumber vt);
void append_release(Bytes& out);
void append_capture(Bytes& out, VtNumber vt);
void append_to_vt(Bytes& out, VtNumber vt, const std::vector<std::byte>& frame);
void append_created(Bytes& out, const VcCreated& created);
void append_refused(Bytes& out, const std::string& reason);
void append_workers(Bytes& out, const WorkersChanged& workers);
void append_events(Bytes& out, const std::vector<VtEvent>& events);

// The length a frame header announces.
std::uint32_t frame_length(const std::uint8_t* header) noexcept;

// Decode one frame's payload (without the length prefix). nullopt with `error` saying why
// when it is not a valid message for that direction.
std::optional<ToAgent> decode_to_agent(ByteView payload, std::string& error);
std::optional<ToClient> decode_to_client(ByteView payload, std::string& error);

} // namespace ppp2p::detail::client_wire
