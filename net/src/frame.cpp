#include "ppp2p/net/frame.hpp"

#include <cstring>

namespace ppp2p::net {

std::uint32_t read_u32le(const std::uint8_t* in) noexcept {
  return std::uint32_t(in[0]) | std::uint32_t(in[1]) << 8 | std::uint32_t(in[2]) << 16 |
         std::uint32_t(in[3]) << 24;
}

void write_u32le(std::uint8_t* out, std::uint32_t v) noexcept {
  out[0] = static_cast<std::uint8_t>(v);
  out[1] = static_cast<std::uint8_t>(v >> 8);
  out[2] = static_cast<std::uint8_t>(v >> 16);
  out[3] = static_cast<std::uint8_t>(v >> 24);
}

void write_frame_header(std::uint8_t* out, std::uint32_t payload_size) noexcept {
  write_u32le(out, payload_size);
}

FramePeek peek_frame(ByteView buffered, std::size_t max_payload) noexcept {
  FramePeek peek;
  if (buffered.size() < kFrameHeaderSize)
    return peek;
  peek.payload_size = read_u32le(buffered.data());
  if (peek.payload_size > max_payload || peek.payload_size > kMaxFramePayload) {
    peek.status = FrameStatus::too_large;
    return peek;
  }
  if (buffered.size() - kFrameHeaderSize < peek.payload_size)
    return peek;
  peek.status = FrameStatus::complete;
  peek.payload = buffered.subspan(kFrameHeaderSize, peek.payload_size);
  return peek;
}

Bytes make_frame(ByteView payload) {
  Bytes out(kFrameHeaderSize + payload.size());
  write_frame_header(out.data(), static_cast<std::uint32_t>(payload.size()));
  if (!payload.empty())
    std::memcpy(out.data() + kFrameHeaderSize, payload.data(), payload.size());
  return out;
}

} // namespace ppp2p::net
