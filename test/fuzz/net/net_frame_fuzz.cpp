// libFuzzer target: the receive path of a link after the handshake. The input is a byte
// stream as it would arrive on a connection; it is cut into frames (size limit), each frame
// is opened (authenticated decryption with a fixed key) and, whatever the outcome, its payload
// is also handed to the FlatBuffers decoders of every channel.
#include <cstddef>
#include <cstdint>

#include "fuzz_credentials.hpp"
#include "ppp2p/net/frame.hpp"
#include "ppp2p/net/membership/codec.hpp"
#include "ppp2p/net/secure_channel.hpp"

using namespace ppp2p::net;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  ByteView in(data, size);
  Opener opener(fuzzing::fixed_session_key());
  while (!in.empty()) {
    FramePeek peek = peek_frame(in, 1u << 20);
    if (peek.status != FrameStatus::complete)
      break;
    if (auto opened = opener.open(peek.payload))
      (void)membership::decode(opened->body(), 1u << 20);
    (void)membership::decode(peek.payload, 1u << 20);
    in = in.subspan(peek.frame_size());
  }
  return 0;
}
