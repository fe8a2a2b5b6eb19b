#include "ppp2p/net/secure_channel.hpp"

#include <cstring>
#include <sodium.h>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/frame.hpp"
#include "ppp2p/net/keys.hpp"

namespace ppp2p::net {

namespace {

static_assert(crypto_aead_chacha20poly1305_IETF_NPUBBYTES == 12 &&
              crypto_aead_aes256gcm_NPUBBYTES == 12 &&
              crypto_aead_chacha20poly1305_IETF_ABYTES == kSealTagSize &&
              crypto_aead_aes256gcm_ABYTES == kSealTagSize);
using Nonce = std::array<std::uint8_t, 12>;

using EncryptFn = int (*)(unsigned char*, unsigned long long*, const unsigned char*,
                          unsigned long long, const unsigned char*, unsigned long long,
                          const unsigned char*, const unsigned char*, const unsigned char*);
using DecryptFn = int (*)(unsigned char*, unsigned long long*, unsigned char*, const unsigned char*,
                          unsigned long long, const unsigned char*, unsigned long long,
                          const unsigned char*, const unsigned char*);

EncryptFn encrypt_fn(Cipher c) {
  return c == Cipher::aes256_gcm ? crypto_aead_aes256gcm_encrypt
                                 : crypto_aead_chacha20poly1305_ietf_encrypt;
}

DecryptFn decrypt_fn(Cipher c) {
  return c == Cipher::aes256_gcm ? crypto_aead_aes256gcm_decrypt
                                 : crypto_aead_chacha20poly1305_ietf_decrypt;
}

Nonce nonce_of(std::uint64_t counter) {
  Nonce n{};
  for (int i = 0; i < 8; ++i)
    n[4 + i] = static_cast<std::uint8_t>(counter >> (8 * i));
  return n;
}

} // namespace

std::uint8_t supported_ciphers() {
  crypto_init();
  std::uint8_t set = cipher_bit(Cipher::chacha20_poly1305);
  if (crypto_aead_aes256gcm_is_available())
    set |= cipher_bit(Cipher::aes256_gcm);
  return set;
}

std::string_view cipher_name(Cipher c) {
  return c == Cipher::aes256_gcm ? "AES-256-GCM" : "ChaCha20-Poly1305";
}

Sealer::Sealer(const std::array<std::uint8_t, 32>& key, Cipher cipher)
    : key_(key), cipher_(cipher) {
  crypto_init();
}
Sealer::~Sealer() {
  sodium_memzero(key_.data(), key_.size());
}

Bytes Sealer::seal(std::uint32_t channel, ByteView body) {
  std::size_t plain_size = kPlainHeaderSize + body.size();
  std::size_t payload_size = plain_size + kSealTagSize;
  // Built by appending, so that the body is copied once and nothing is zeroed first.
  Bytes frame;
  frame.reserve(kFrameHeaderSize + payload_size);
  std::uint8_t head[kFrameHeaderSize + kPlainHeaderSize];
  write_frame_header(head, static_cast<std::uint32_t>(payload_size));
  write_u32le(head + kFrameHeaderSize, channel);
  write_u32le(head + kFrameHeaderSize + 4, 0);
  frame.insert(frame.end(), head, head + sizeof head);
  frame.insert(frame.end(), body.begin(), body.end());
  frame.resize(kFrameHeaderSize + payload_size); // room for the tag
  std::uint8_t* plain = frame.data() + kFrameHeaderSize;
  Nonce nonce = nonce_of(counter_++);
  unsigned long long clen = 0;
  // In place: libsodium allows the ciphertext to overlap the plaintext exactly.
  encrypt_fn(cipher_)(plain, &clen, plain, plain_size, frame.data(), kFrameHeaderSize, nullptr,
                      nonce.data(), key_.data());
  return frame;
}

Opener::Opener(const std::array<std::uint8_t, 32>& key, Cipher cipher)
    : key_(key), cipher_(cipher) {
  crypto_init();
}
Opener::~Opener() {
  sodium_memzero(key_.data(), key_.size());
}

Result<OpenedFrame> Opener::open(ByteView payload) {
  if (payload.size() < kSealOverhead)
    return errc::decrypt_failed;
  std::uint8_t header[kFrameHeaderSize];
  write_frame_header(header, static_cast<std::uint32_t>(payload.size()));
  OpenedFrame out;
  out.plain.resize(payload.size() - kSealTagSize);
  Nonce nonce = nonce_of(counter_);
  unsigned long long mlen = 0;
  if (decrypt_fn(cipher_)(out.plain.data(), &mlen, nullptr, payload.data(), payload.size(), header,
                          sizeof header, nonce.data(), key_.data()) != 0)
    return errc::decrypt_failed;
  ++counter_;
  out.channel = read_u32le(out.plain.data());
  return out;
}

} // namespace ppp2p::net
