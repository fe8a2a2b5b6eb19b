// Membership messages <-> FlatBuffers (schema/membership.fbs).
#pragma once

#include "ppp2p/net/bytes.hpp"
#include "ppp2p/net/membership/types.hpp"
#include "ppp2p/net/result.hpp"

namespace ppp2p::net::membership {

// Limits on what a received message may hold; larger ones are rejected as invalid.
inline constexpr std::size_t kMaxAddressLength = 255;
inline constexpr std::size_t kMaxUpdatesPerMessage = 65'536;

Bytes encode(const Message& m);

// Verifies (FlatBuffers verifier, size limit, field limits) and decodes; errc::frame_invalid
// for anything malformed.
Result<Message> decode(ByteView bytes, std::size_t max_size);

} // namespace ppp2p::net::membership
