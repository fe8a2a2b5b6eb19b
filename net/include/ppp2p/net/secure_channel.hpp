// Sealing and opening frames after the handshake (pure functions over byte buffers).
//
// A sealed frame is  len(4, LE) | ChaCha20-Poly1305-IETF(plaintext, ad = len)  where
// plaintext = channel(4, LE) | reserved(4, zero) | body, and body is one FlatBuffer, which
// thereby starts 8-byte aligned in the opened buffer. Nonces are a per-direction counter that
// is never sent: a frame that is replayed, dropped, reordered or altered fails to open, and
// the link is dropped.
#pragma once

#include <array>
#include <cstdint>

#include "ppp2p/net/bytes.hpp"
#include "ppp2p/net/result.hpp"

namespace ppp2p::net {

inline constexpr std::size_t kSealTagSize = 16;
inline constexpr std::size_t kPlainHeaderSize = 8;
inline constexpr std::size_t kSealOverhead = kSealTagSize + kPlainHeaderSize;

class Sealer {
public:
  explicit Sealer(const std::array<std::uint8_t, 32>& key);
  ~Sealer();
  // A complete wire frame carrying body on channel.
  Bytes seal(std::uint32_t channel, ByteView body);
  std::uint64_t frames_sealed() const noexcept { return counter_; }

private:
  std::array<std::uint8_t, 32> key_;
  std::uint64_t counter_ = 0;
};

struct OpenedFrame {
  std::uint32_t channel = 0;
  Bytes plain; // header + body; the body starts at kPlainHeaderSize
  ByteView body() const noexcept { return ByteView(plain).subspan(kPlainHeaderSize); }
};

class Opener {
public:
  explicit Opener(const std::array<std::uint8_t, 32>& key);
  ~Opener();
  // Opens the payload of one frame (the bytes after its 4-byte header).
  Result<OpenedFrame> open(ByteView payload);

private:
  std::array<std::uint8_t, 32> key_;
  std::uint64_t counter_ = 0;
};

} // namespace ppp2p::net
