// Private: the state behind a Stream. It outlives the Stream object when the handle is still
// closing, so libuv callbacks only ever touch this, never the Stream.
#pragma once

#include <uv.h>
#include <vector>

#include "ppp2p/net/stream.hpp"

namespace ppp2p::net {

// The libuv handle of a stream or listener, whichever kind it is.
union StreamHandle {
  uv_handle_t handle;
  uv_stream_t stream;
  uv_tcp_t tcp;
  uv_pipe_t pipe;
};

struct Stream::State {
  StreamHandle h;

  // Read-ahead buffer: bytes [rx_begin, rx_end) are buffered.
  Bytes rx;
  std::size_t rx_begin = 0;
  std::size_t rx_end = 0;
  std::size_t read_ahead = 256 * 1024;
  FillAwaiter* reader = nullptr;
  bool connected = false;
  bool reading = false;
  bool eof = false;
  std::error_code read_error;

  std::size_t queued = 0;           // bytes sent but not yet written, cork included
  std::size_t writes_in_flight = 0; // uv_write requests not yet completed
  std::vector<Bytes> cork;          // sent while a write was in flight: written next, at once
  std::size_t cork_bytes = 0;
  DrainAwaiter* drainer = nullptr;
  std::error_code write_error;

  bool closing = false;
  int refs = 2; // the Stream object and the libuv handle; the last one deletes the state

  std::size_t buffered() const noexcept { return rx_end - rx_begin; }
  // Starts or stops reading depending on whether anyone needs bytes.
  void update_reading() noexcept;
};

} // namespace ppp2p::net
