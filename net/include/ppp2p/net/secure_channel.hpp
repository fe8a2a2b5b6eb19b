// Sealing and opening frames after the handshake (pure functions over byte buffers).
//
// A sealed frame is  len(4, LE) | AEAD(plaintext, ad = len)  where
// plaintext = channel(4, LE) | reserved(4, zero) | body, and body is one FlatBuffer, which
// thereby starts 8-byte aligned in the opened buffer. Nonces are a per-direction counter that
// is never sent: a frame that is replayed, dropped, reordered or altered fails to open, and
// the link is dropped. The AEAD is ChaCha20-Poly1305-IETF, or AES-256-GCM where both ends have
// the hardware for it (negotiated in the handshake); both take a 12-byte nonce and a 16-byte tag.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include "ppp2p/net/bytes.hpp"
#include "ppp2p/net/result.hpp"

namespace ppp2p::net {

// Wire values (schema/handshake.fbs Cipher): append only.
enum class Cipher : std::uint8_t { chacha20_poly1305 = 0, aes256_gcm = 1 };

inline constexpr std::uint8_t cipher_bit(Cipher c) {
  return std::uint8_t(1u << unsigned(c));
}
// The ciphers this machine can run: ChaCha20-Poly1305 always, AES-256-GCM with AES-NI.
std::uint8_t supported_ciphers();
std::string_view cipher_name(Cipher c);

inline constexpr std::size_t kSealTagSize = 16;
inline constexpr std::size_t kPlainHeaderSize = 8;
inline constexpr std::size_t kSealOverhead = kSealTagSize + kPlainHeaderSize;

class Sealer {
public:
  explicit Sealer(const std::array<std::uint8_t, 32>& key,
                  Cipher cipher = Cipher::chacha20_poly1305);
  ~Sealer();
  // A complete wire frame carrying body on channel.
  Bytes seal(std::uint32_t channel, ByteView body);
  std::uint64_t frames_sealed() const noexcept { return counter_; }

private:
  std::array<std::uint8_t, 32> key_;
  Cipher cipher_;
  std::uint64_t counter_ = 0;
};

struct OpenedFrame {
  std::uint32_t channel = 0;
  Bytes plain; // header + body; the body starts at kPlainHeaderSize
  ByteView body() const noexcept { return ByteView(plain).subspan(kPlainHeaderSize); }
};

class Opener {
public:
  explicit Opener(const std::array<std::uint8_t, 32>& key,
                  Cipher cipher = Cipher::chacha20_poly1305);
  ~Opener();
  // Opens the payload of one frame (the bytes after its 4-byte header).
  Result<OpenedFrame> open(ByteView payload);

private:
  std::array<std::uint8_t, 32> key_;
  Cipher cipher_;
  std::uint64_t counter_ = 0;
};

} // namespace ppp2p::net
