// Errors raised by ppp2p. One table generates the codes, their names and their messages.
#pragma once

#include <stdexcept>
#include <string>

namespace ppp2p {

// XX(code, message). Append only: codes travel inside messages between peers.
#define PPP2P_ERROR_MAP(XX)                                                                        \
  XX(snapshot_truncated, "snapshot is truncated")                                                  \
  XX(snapshot_foreign, "not a ppp2p snapshot")                                                     \
  XX(snapshot_version, "unsupported snapshot format version")                                      \
  XX(snapshot_corrupted, "snapshot is corrupted (checksum mismatch)")                              \
  XX(snapshot_malformed, "snapshot is malformed")                                                  \
  XX(snapshot_platform, "snapshot was made on another platform")                                   \
  XX(unknown_function, "snapshot refers to a function this program does not contain")              \
  XX(layout_mismatch, "function was built differently from the one in the snapshot")               \
  XX(result_type_mismatch, "resume<R> does not match the resumed function's return type")          \
  XX(decode_failed, "a value does not decode")                                                     \
  XX(no_capture_context, "no capture context is active on this thread")                            \
  XX(remote_exception, "the virtual thread threw an exception")                                    \
  XX(vt_cancelled, "the virtual thread was cancelled")                                             \
  XX(executor_crashed, "the executor running the virtual thread ended")                            \
  XX(spawn_refused, "the virtual thread could not be started")                                     \
  XX(vt_lost, "the virtual thread's result can no longer arrive")                                  \
  XX(not_in_vt, "this call is only valid inside a virtual thread")                                 \
  XX(vc_unavailable, "the virtual computer could not be created")                                  \
  XX(type_mismatch, "a message or global variable has another type than asked for")                \
  XX(replay_diverged, "a resumed virtual thread did not re-execute as before")                     \
  XX(exchange_closed, "the virtual computer's message exchange is gone")                           \
  XX(protocol_error, "a peer broke the protocol")                                                  \
  XX(sandbox_violation, "the worker's sandbox stopped the virtual thread's executor")              \
  XX(capture_failed, "the virtual thread's state cannot be captured")                              \
  XX(encode_failed, "a value cannot be encoded")

enum class errc : int {
#define PPP2P_ERRC_ENUM(code, message) code,
  PPP2P_ERROR_MAP(PPP2P_ERRC_ENUM)
#undef PPP2P_ERRC_ENUM
};

/// "snapshot_truncated" for errc::snapshot_truncated.
const char* error_name(errc code) noexcept;
/// The table's message for `code`.
const char* error_message(errc code) noexcept;

/// Base of every ppp2p exception: what() is "<message>: <detail>".
class error : public std::runtime_error {
public:
  error(errc code, const std::string& detail);
  errc code() const noexcept { return code_; }

private:
  errc code_;
};

/// A snapshot that cannot be read or resumed: truncated, corrupted, foreign, from another
/// build or another version.
class snapshot_error : public error {
public:
  using error::error;
};

} // namespace ppp2p
