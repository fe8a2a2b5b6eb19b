// What the vc fuzz target and its seed generator share: the simulated cluster the input is
// delivered to (seeded, so the VC id is the same in both), and reliable-messaging frames
// (net/schema/reliable.fbs) of one stream, as a member would send them.
#pragma once

#include <cstdint>
#include <string>

#include "ppp2p/net/bytes.hpp"
#include "ppp2p/net/flatbuffer_util.hpp"
#include "reliable_generated.h"
#include "vc_sim.hpp"

namespace fuzzing {

// Node 0 deploys a VC of 2 workers (itself and node 1); node 2 is the hostile member. Returns
// the VC's id.
inline ppp2p::agent::vc::VcId start_cluster(ppp2p::agent::vc::sim::Cluster& c,
                                            ppp2p::agent::vc::sim::Client& client) {
  c.add({.slots = 1});
  c.add({.slots = 2});
  c.add({.slots = 0});
  ppp2p::detail::VcRequest r;
  r.workers = 2;
  r.module_path = "/m";
  return c.create(0, client, r, c.publish(0, 3000));
}

class ReliableWrapper {
public:
  explicit ReliableWrapper(std::string from) : from_(std::move(from)) {}

  // The next message of the stream: a request when the body's first byte is odd, else a
  // one-way message.
  ppp2p::net::Bytes data(ppp2p::net::ByteView body) {
    namespace fb = ppp2p::wire::reliable;
    flatbuffers::FlatBufferBuilder fbb(body.size() + 128);
    bool request = !body.empty() && (body[0] & 1);
    fbb.ForceVectorAlignment(body.size(), 1, 8);
    auto b = fbb.CreateVector(body.data(), body.size());
    auto m = fb::CreateMessage(fbb, request ? fb::Kind::request : fb::Kind::message, seq_, true, b);
    std::vector<flatbuffers::Offset<fb::Message>> list{m};
    auto d = fb::CreateData(fbb, 0x5eed, 0, seq_++, fbb.CreateVector(list));
    fbb.Finish(fb::CreateFrame(fbb, d), fb::FrameIdentifier());
    return ppp2p::net::to_bytes(fbb);
  }

private:
  std::string from_;
  std::uint64_t seq_ = 1;
};

} // namespace fuzzing
