// libFuzzer target: both sides of the handshake fed with arbitrary messages. The first input
// byte picks the role; the rest is one or two messages (a 2-byte length before the first).
#include <cstddef>
#include <cstdint>

#include "fuzz_credentials.hpp"
#include "ppp2p/net/handshake.hpp"

using namespace ppp2p::net;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Credentials responder_creds = fuzzing::fixed_credentials(1);
  static const Credentials initiator_creds = fuzzing::fixed_credentials(2);
  if (size < 3)
    return 0;
  std::uint8_t role = data[0];
  std::size_t first = std::size_t(data[1]) | std::size_t(data[2]) << 8;
  ByteView rest(data + 3, size - 3);
  ByteView m1 = rest.first(std::min(first, rest.size()));
  ByteView m2 = rest.subspan(m1.size());
  if (role & 1) {
    // We respond: a hostile hello, then a hostile finish.
    HandshakeResponder r(responder_creds);
    if (r.on_hello(m1))
      (void)r.on_finish(m2);
  } else {
    // We initiate: a hostile reply to our hello.
    HandshakeInitiator i(initiator_creds);
    (void)i.on_reply(m1);
  }
  return 0;
}
