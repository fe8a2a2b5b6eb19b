// libFuzzer target: membership state machine under hostile messages. A small simulated
// cluster runs; the input (one or more frames) is delivered to member 0 as if from an
// authenticated peer, and the simulation runs on so the consequences play out.
#include <cstddef>
#include <cstdint>

#include "ppp2p/net/frame.hpp"
#include "ppp2p/net/membership/codec.hpp"
#include "ppp2p/net/membership/sim.hpp"

using namespace ppp2p::net;
using namespace ppp2p::net::membership;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  SimNetwork net({.seed = 1});
  Config cfg;
  cfg.dead_retention = Millis{3000};
  net.add_cluster(3, cfg);
  net.run_for(Millis{1000});
  ByteView in(data, size);
  while (!in.empty()) {
    FramePeek peek = peek_frame(in, 1u << 20);
    if (peek.status != FrameStatus::complete)
      break;
    // Delivered as from whoever the message names (what a member of the cluster could send).
    if (auto m = decode(peek.payload, 1u << 20))
      net.swim(0).on_message(peek.payload, &m->sender);
    net.run_for(Millis{100});
    in = in.subspan(peek.frame_size());
  }
  net.run_for(Millis{5000});
  return 0;
}
