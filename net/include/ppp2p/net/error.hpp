// Error codes of the network core. One table generates the enum, the names and the messages.
// libuv errors travel as std::error_code in uv_category() (the negative libuv code);
// errors of ppp2p's own protocol layers travel in net_category().
#pragma once

#include <string_view>
#include <system_error>

namespace ppp2p::net {

// name, message. Append only: the numeric values appear in logs and tests.
#define PPP2P_NET_ERRNO_MAP(XX)                                                                    \
  XX(frame_too_large, "frame is larger than the size limit")                                       \
  XX(frame_truncated, "connection ended in the middle of a frame")                                 \
  XX(frame_invalid, "frame failed FlatBuffers verification")                                       \
  XX(frame_unknown_channel, "frame names an unknown channel")                                      \
  XX(handshake_malformed, "handshake message is malformed")                                        \
  XX(handshake_bad_version, "peer speaks another protocol version")                                \
  XX(handshake_bad_cluster_key, "peer does not prove knowledge of the cluster key")                \
  XX(handshake_bad_signature, "peer's signature over the handshake is invalid")                    \
  XX(handshake_not_allowed, "peer's public key is not on the allow list")                          \
  XX(handshake_self, "peer presented our own public key")                                          \
  XX(handshake_timeout, "handshake did not complete in time")                                      \
  XX(decrypt_failed, "frame failed authentication (tampered, replayed, reordered or truncated)")   \
  XX(connection_closed, "connection closed")                                                       \
  XX(timed_out, "operation timed out")                                                             \
  XX(cancelled, "operation cancelled")                                                             \
  XX(bad_address, "address is not HOST:PORT with a port in 0..65535")                              \
  XX(queue_full, "send queue is full")                                                             \
  XX(key_too_short, "key file holds fewer than 32 bytes") /* unused: see key_file_wrong_length */  \
  XX(key_malformed, "key file is malformed")                                                       \
  XX(key_mismatch, "secret and public key files do not belong together")                           \
  XX(handshake_no_cipher, "the peers have no frame cipher in common")                              \
  XX(key_file_too_open, "key file can be read by group or others (it must be mode 0600)")          \
  XX(key_file_wrong_length,                                                                        \
     "key file must hold exactly 32 bytes, or 64 hex digits and an optional newline")

enum class errc : int {
  ok = 0,
#define PPP2P_NET_ERRNO_ENUM(name, msg) name,
  PPP2P_NET_ERRNO_MAP(PPP2P_NET_ERRNO_ENUM)
#undef PPP2P_NET_ERRNO_ENUM
};

const std::error_category& net_category() noexcept;
const std::error_category& uv_category() noexcept;

// The short name of a net error ("frame_too_large"), or "unknown".
std::string_view errc_name(errc e) noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), net_category()};
}

// Wraps a negative libuv status; 0 gives an empty error_code.
inline std::error_code uv_error(int status) noexcept {
  return status == 0 ? std::error_code{} : std::error_code{status, uv_category()};
}

} // namespace ppp2p::net

template <> struct std::is_error_code_enum<ppp2p::net::errc> : std::true_type {};
