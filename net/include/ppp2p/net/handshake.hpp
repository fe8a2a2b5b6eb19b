// The link handshake as pure state machines (no I/O), so that tests and the fuzzer can drive
// them with any bytes. Three messages, each a FlatBuffer (schema/handshake.fbs):
//
//   1. I -> R  Hello        version, ephemeral X25519 key e_i, ciphers offered
//   2. R -> I  HelloReply   e_r, identity s_r, Sign(s_r, th2), MAC(k_r, th2), cipher chosen
//   3. I -> R  HelloFinish  identity s_i, Sign(s_i, th3), MAC(k_i, th3)
//
// th2 and th3 hash the transcript so far; k_r and k_i are derived from the ephemeral
// Diffie-Hellman secret keyed with the cluster key, so a MAC proves both knowledge of the
// cluster key and participation in this very exchange (an old message replayed into a new
// handshake fails). Signatures prove possession of the long-term identity key, which the
// allow-list checks. The session keys (one per direction) come from the same chain and the
// full transcript. See net/README.md, "Links".
#pragma once

#include <array>
#include <cstdint>

#include "ppp2p/net/bytes.hpp"
#include "ppp2p/net/keys.hpp"
#include "ppp2p/net/result.hpp"
#include "ppp2p/net/secure_channel.hpp"

namespace ppp2p::net {

inline constexpr std::uint16_t kLinkProtocolVersion = 1;
// Handshake frames are small; anything larger is rejected before it is read.
inline constexpr std::size_t kMaxHandshakeFrame = 512;

struct SessionKeys {
  PublicKey peer;                          // the authenticated long-term key of the other side
  std::array<std::uint8_t, 32> send_key{}; // for frames we send
  std::array<std::uint8_t, 32> recv_key{}; // for frames we receive
  Cipher cipher = Cipher::chacha20_poly1305;
};

class HandshakeInitiator {
public:
  // ciphers: a mask of cipher_bit()s we are willing to use (those this machine lacks are
  // dropped from it).
  explicit HandshakeInitiator(const Credentials& creds, std::uint8_t ciphers = 0xff);
  ~HandshakeInitiator();

  // Message 1.
  Bytes hello() const;
  // Checks message 2; on success returns message 3 and the session.
  Result<std::pair<Bytes, SessionKeys>> on_reply(ByteView reply);

private:
  const Credentials& creds_;
  std::array<std::uint8_t, 32> eph_pk_{}, eph_sk_{};
  std::uint8_t ciphers_;
  Bytes hello_;
};

class HandshakeResponder {
public:
  // Chooses AES-256-GCM when both sides may use it, else ChaCha20-Poly1305.
  explicit HandshakeResponder(const Credentials& creds, std::uint8_t ciphers = 0xff);
  ~HandshakeResponder();

  // Checks message 1; returns message 2.
  Result<Bytes> on_hello(ByteView hello);
  // Checks message 3; returns the session.
  Result<SessionKeys> on_finish(ByteView finish);

private:
  const Credentials& creds_;
  std::array<std::uint8_t, 32> eph_pk_{}, eph_sk_{};
  std::array<std::uint8_t, 32> chain_{}; // keyed hash of the DH secret and th2
  std::array<std::uint8_t, 32> th2_{};
  std::uint8_t ciphers_;
  Cipher cipher_ = Cipher::chacha20_poly1305;
  Bytes reply_;
  bool replied_ = false;
};

} // namespace ppp2p::net
