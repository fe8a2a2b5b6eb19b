#include "ppp2p/net/frame_reader.hpp"

#include "ppp2p/net/error.hpp"

namespace ppp2p::net {

task<Result<ByteView>> FrameReader::next() {
  consume_last();
  std::size_t need = kFrameHeaderSize;
  for (;;) {
    FramePeek peek = peek_frame(stream_.buffered(), max_);
    if (peek.status == FrameStatus::too_large)
      co_return errc::frame_too_large;
    if (peek.status == FrameStatus::complete) {
      last_ = peek.frame_size();
      co_return peek.payload;
    }
    std::size_t had = stream_.buffered().size();
    if (had >= kFrameHeaderSize)
      need = peek.frame_size();
    if (auto r = co_await stream_.fill(need); !r) {
      if (r.error() == errc::connection_closed && stream_.buffered().size() > 0)
        co_return errc::frame_truncated;
      co_return r.error();
    }
  }
}

} // namespace ppp2p::net
