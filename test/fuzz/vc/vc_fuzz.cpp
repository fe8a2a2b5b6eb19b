// libFuzzer target (ASan + UBSan) for what virtual computers accept from others: the client
// link's decoders (both directions), the deploy message decoder, and a deployer and a worker
// (VcNode in the simulation of test/unit/vc) receiving hostile reliable frames and deploy
// messages from another member while a VC runs, and the agent's decoder of what an executor
// (another member's code) sends it. The first input byte picks the target.
#include <cstddef>
#include <cstdint>

#include "client_protocol.hpp"
#include "deploy_messages.hpp"
#include "executor_frames.hpp"
#include "ppp2p/net/frame.hpp"
#include "vc_fuzz_setup.hpp"

using namespace ppp2p::agent::vc;
using namespace ppp2p::net;
namespace cw = ppp2p::detail::client_wire;

namespace {

// Node 0 deploys a VC on node 1 (and itself); the input arrives at `target` from node 2, a
// member that sends what it likes, as deploy messages wrapped in reliable frames (kind 3) or
// as raw reliable frames (kind 4).
void hostile_member(ByteView in, bool raw, std::size_t target) {
  sim::Cluster c(1);
  sim::Client client;
  VcId id = fuzzing::start_cluster(c, client);
  c.world.run_for(Millis{200});
  for (VtNumber vt = 0; vt < 4; ++vt)
    c.vc(0).spawn(id, SpawnRequest{vt, 1, 2, sim::args_of({.work_ms = 50, .value = vt})});
  fuzzing::ReliableWrapper wrap(c.address(2));
  while (!in.empty()) {
    FramePeek peek = peek_frame(in, 1u << 20);
    if (peek.status != FrameStatus::complete)
      break;
    Bytes frame = raw ? Bytes(peek.payload.begin(), peek.payload.end()) : wrap.data(peek.payload);
    c.deliver(2, target, frame);
    c.world.run_for(Millis{10});
    in = in.subspan(peek.frame_size());
  }
  c.world.run_for(Millis{3000});
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  ByteView in(data + 1, size - 1);
  std::string error;
  switch (data[0] % 8) {
  case 0:
    (void)decode(in, error);
    break;
  case 1:
    (void)cw::decode_to_agent(in, error);
    break;
  case 2:
    (void)cw::decode_to_client(in, error);
    break;
  case 3:
    hostile_member(in, false, 0); // the deployer
    break;
  case 4:
    hostile_member(in, false, 1); // a worker
    break;
  case 5:
    hostile_member(in, true, 1);
    break;
  case 6: // an executor's frames, one after another, as the agent reads them
  case 7: {
    bool started = data[0] % 8 == 7;
    while (!in.empty()) {
      FramePeek peek = peek_frame(in, kMaxExecutorFrame);
      if (peek.status != FrameStatus::complete)
        break;
      auto m = decode_executor_frame(peek.payload, started, error);
      if (!m)
        break; // the agent kills the executor here
      started = started || m->started;
      in = in.subspan(peek.frame_size());
    }
    break;
  }
  }
  return 0;
}
