// What membership knows about a member, and the messages it exchanges, as plain C++ values.
// (codec.hpp turns messages into FlatBuffers and back; nothing else touches the wire format.)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ppp2p/net/keys.hpp"
#include "ppp2p/net/timer.hpp"

namespace ppp2p::net::membership {

using MemberId = PublicKey;

// Wire values (schema/membership.fbs MemberState): append only.
enum class State : std::uint8_t { alive = 0, suspect = 1, dead = 2, left = 3 };

std::string_view state_name(State s) noexcept;

// Alive or suspect: a member still probed and gossiped to.
inline bool is_live(State s) noexcept {
  return s == State::alive || s == State::suspect;
}

// What a member advertises about itself.
struct Meta {
  std::uint16_t cores = 0;
  std::uint16_t slots = 0;
  std::uint16_t free_slots = 0;
  float speed = 0;
  float load = 0;
  friend bool operator==(const Meta&, const Meta&) = default;
};

struct Member {
  MemberId id;
  std::string address;
  std::uint64_t incarnation = 0;
  State state = State::alive;
  Meta meta;
  Millis state_since{0}; // local clock time of the last change of state
};

// One piece of gossip: "id at address is in state at incarnation".
struct Update {
  MemberId id;
  std::string address;
  std::uint64_t incarnation = 0;
  State state = State::alive;
  Meta meta;
  std::optional<MemberId> from; // who declared suspect/dead
};

enum class BodyKind : std::uint8_t { none, ping, ping_req, ack, nack, sync };

struct Message {
  MemberId sender;
  std::string sender_address;
  BodyKind kind = BodyKind::none;
  std::uint32_t seq = 0;          // ping, ping_req, ack, nack
  std::optional<MemberId> target; // ping (optional), ping_req
  std::string target_address;     // ping_req
  std::vector<Update> members;    // sync
  bool reply = false;             // sync
  std::vector<Update> gossip;     // any message
};

} // namespace ppp2p::net::membership
