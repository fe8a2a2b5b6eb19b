// Framing: every message on a connection is a frame, a 4-byte little-endian payload length
// followed by the payload. These are pure functions (no I/O): the stream reader, the fuzz
// target and the tests all use them.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ppp2p/net/bytes.hpp"

namespace ppp2p::net {

inline constexpr std::size_t kFrameHeaderSize = 4;
// The largest payload a frame may announce at all; each protocol layer sets a lower limit.
inline constexpr std::size_t kMaxFramePayload = 64u * 1024 * 1024;

enum class FrameStatus {
  incomplete, // need more bytes
  complete,   // a whole frame is at the start of the buffer
  too_large,  // the announced length exceeds the limit: the connection must be dropped
};

struct FramePeek {
  FrameStatus status = FrameStatus::incomplete;
  std::size_t payload_size = 0; // valid unless status == incomplete with < 4 bytes
  ByteView payload;             // valid when status == complete
  std::size_t frame_size() const noexcept { return kFrameHeaderSize + payload_size; }
};

// Looks at the start of buffered bytes for a frame whose payload is at most max_payload.
FramePeek peek_frame(ByteView buffered, std::size_t max_payload) noexcept;

// Writes the 4-byte header for a payload of payload_size bytes.
void write_frame_header(std::uint8_t* out, std::uint32_t payload_size) noexcept;
std::uint32_t read_u32le(const std::uint8_t* in) noexcept;
void write_u32le(std::uint8_t* out, std::uint32_t v) noexcept;

// A frame holding a copy of payload.
Bytes make_frame(ByteView payload);

} // namespace ppp2p::net
