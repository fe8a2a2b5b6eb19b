// Building and checking message frames (messages.fbs), for both of its ends.
#pragma once

#include "messages_generated.h"

#include <ppp2p/vt.hpp>

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace ppp2p::detail::messages {

namespace wire = ppp2p::wire::messages;
using Bytes = std::vector<std::byte>;

/// The frame, or null if it is not a well-formed message frame. FlatBuffers reads scalars in
/// place: a frame that does not start 8-byte aligned is checked and read from a copy in
/// `storage`, which must outlive the result.
const wire::Frame* verify(std::span<const std::byte> frame, Bytes& storage);

Bytes send(std::uint64_t effect, VtId to, std::string_view type, std::span<const std::byte> value);
Bytes consumed(std::uint64_t effect, VtId from, std::uint64_t message);
/// Receives number first, first + 1, ... took `taken` (from, message) in order: a Consumed for
/// one, a ConsumedRun for more.
Bytes consumed_run(std::uint64_t first, std::span<const std::pair<VtId, std::uint64_t>> taken);
Bytes missed(std::uint64_t first, std::uint64_t count);
/// `value` null: no value (read, acquire, abort).
Bytes global_request(std::uint64_t effect, wire::GlobalOp op, std::string_view name,
                     std::string_view type, const Bytes* value);
Bytes deliver(VtId from, std::uint64_t message, std::string_view type,
              std::span<const std::byte> value, std::uint64_t replay);
Bytes replay_miss(std::uint64_t effect, std::uint64_t count);
/// `value` null: the global was never written. `error` set: the operation failed with `code`
/// (a ppp2p::errc).
Bytes global_reply(std::uint64_t effect, bool replay, const Bytes* value, std::string_view error,
                   int code = -1);
Bytes send_ack(std::uint64_t through);

/// The bytes of a FlatBuffers [ubyte] field (empty if absent).
std::span<const std::byte> bytes_of(const flatbuffers::Vector<std::uint8_t>* vector);
std::string_view text_of(const flatbuffers::String* string);

} // namespace ppp2p::detail::messages
