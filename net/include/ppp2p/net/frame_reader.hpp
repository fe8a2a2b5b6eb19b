// FrameReader: reads frames from a Stream without copying them out of its buffer.
#pragma once

#include <cstddef>

#include "ppp2p/net/bytes.hpp"
#include "ppp2p/net/frame.hpp"
#include "ppp2p/net/result.hpp"
#include "ppp2p/net/stream.hpp"
#include "ppp2p/net/task.hpp"

namespace ppp2p::net {

class FrameReader {
public:
  FrameReader(Stream& stream, std::size_t max_payload) : stream_(stream), max_(max_payload) {}

  // The next frame's payload, valid until the next call to next(). Errors: frame_too_large
  // (the peer announced more than the limit), frame_truncated (the stream ended inside a
  // frame), connection_closed (it ended between frames), or the stream's error.
  task<Result<ByteView>> next();

  void set_max_payload(std::size_t max_payload) noexcept { max_ = max_payload; }

  // Drops the frame handed out last from the stream's buffer now, so that another reader can
  // take over the stream.
  void consume_last() noexcept {
    stream_.consume(last_);
    last_ = 0;
  }

private:
  Stream& stream_;
  std::size_t max_;
  std::size_t last_ = 0; // size of the frame handed out last, consumed on the next call
};

} // namespace ppp2p::net
