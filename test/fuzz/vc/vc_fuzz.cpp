// libFuzzer target (ASan + UBSan) for what virtual computers accept from others: the client
// link's decoders (both directions), the deploy message decoder, and a deployer and a worker
// (VcNode in the simulation of test/unit/vc) receiving hostile reliable frames and deploy
// messages from another member while a VC runs, the executor link's decoders both ways (what an
// executor, another member's code, sends its agent; what a peer sends an executor), and the
// agent's status protocol (request and reply, with the reply's text and JSON renderings). The
// first input byte picks the target.
#include <cstddef>
#include <cstdint>

#include "deploy_messages.hpp"
#include "executor_frames.hpp"
#include "ppp2p/net/frame.hpp"
#include "status_view.hpp"
#include "vc/agent_link/client_protocol.hpp"
#include "vc/executor/executor_protocol.hpp"
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
  switch (data[0] % 10) {
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
    bool started = data[0] % 10 == 7;
    while (!in.empty()) {
      FramePeek peek = peek_frame(in, ppp2p::detail::executor_wire::kMaxFrame);
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
  case 8: // what a peer sends an executor, as the executor reads it
    while (!in.empty()) {
      FramePeek peek = peek_frame(in, ppp2p::detail::executor_wire::kMaxFrame);
      if (peek.status != FrameStatus::complete ||
          !ppp2p::detail::executor_wire::decode_command(std::as_bytes(peek.payload), error))
        break; // the executor ends here
      in = in.subspan(peek.frame_size());
    }
    break;
  case 9: // the status protocol: a request at the agent, a reply at `ppp2p-runtime status`
    (void)ppp2p::agent::is_status_request(in);
    if (auto view = ppp2p::agent::decode_status_reply(in)) {
      (void)ppp2p::agent::status_json(*view);
      (void)ppp2p::agent::status_table(*view);
    }
    break;
  }
  return 0;
}
