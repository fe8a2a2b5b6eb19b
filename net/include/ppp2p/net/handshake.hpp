// The link handshake as pure state machines (no I/O), so that tests and the fuzzer can drive
// them with any bytes. Three messages, each a FlatBuffer (schema/handshake.fbs):
//
//   1. I -> R  Hello        version, ephemeral X25519 key e_i
//   2. R -> I  HelloReply   e_r, identity s_r, Sign(s_r, th2), MAC(k_r, th2)
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

namespace ppp2p::net {

inline constexpr std::uint16_t kLinkProtocolVersion = 1;
// Handshake frames are small; anything larger is rejected before it is read.
inline constexpr std::size_t kMaxHandshakeFrame = 512;

struct SessionKeys {
  PublicKey peer;                          // the authenticated long-term key of the other side
  std::array<std::uint8_t, 32> send_key{}; // for frames we send
  std::array<std::uint8_t, 32> recv_key{}; // for frames we receive
};

class HandshakeInitiator {
public:
  explicit HandshakeInitiator(const Credentials& creds);
  ~HandshakeInitiator();

  // Message 1.
  Bytes hello() const;
  // Checks message 2; on success returns message 3 and the session.
  Result<std::pair<Bytes, SessionKeys>> on_reply(ByteView reply);

private:
  const Credentials& creds_;
  std::array<std::uint8_t, 32> eph_pk_{}, eph_sk_{};
  Bytes hello_;
};

class HandshakeResponder {
public:
  explicit HandshakeResponder(const Credentials& creds);
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
  Bytes reply_;
  bool replied_ = false;
};

} // namespace ppp2p::net
