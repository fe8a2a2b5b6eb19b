// Wire forms of the deploy protocol (deploy.fbs) and the client link (client.fbs): every
// message survives a round trip; damaged, truncated or out-of-range input is refused with a
// reason and never crashes.
#include <gtest/gtest.h>

#include <cstring>

#include "deploy_messages.hpp"
#include "ppp2p/net/membership/env.hpp"
#include "vc/agent_link/client_protocol.hpp"

using namespace ppp2p::agent::vc;
namespace cw = ppp2p::detail::client_wire;

namespace {

std::vector<std::byte> bytes(std::initializer_list<int> v) {
  std::vector<std::byte> out;
  for (int x : v)
    out.push_back(static_cast<std::byte>(x));
  return out;
}

ModuleHash some_hash() {
  ModuleHash h{};
  for (std::size_t i = 0; i < h.size(); ++i)
    h[i] = static_cast<std::uint8_t>(i * 7);
  return h;
}

template <class T> T round_trip(const Message& m) {
  std::string error;
  auto out = decode(encode(m), error);
  EXPECT_TRUE(out) << error;
  EXPECT_TRUE(std::holds_alternative<T>(*out));
  return std::get<T>(*out);
}

} // namespace

TEST(DeployMessages, RoundTrip) {
  auto e = round_trip<EnrolRequest>(EnrolRequest{42, some_hash(), 1234, 3});
  EXPECT_EQ(e.vc, 42u);
  EXPECT_EQ(e.module, some_hash());
  EXPECT_EQ(e.module_size, 1234u);
  EXPECT_EQ(e.slots, 3u);
  auto r = round_trip<EnrolReply>(EnrolReply{false, 0, "no free slots"});
  EXPECT_EQ(r.reason, "no free slots");
  auto f = round_trip<FetchChunk>(FetchChunk{some_hash(), 1 << 20, 4096});
  EXPECT_EQ(f.offset, 1u << 20);
  auto c = round_trip<Chunk>(Chunk{{1, 2, 3}, {}});
  EXPECT_EQ(c.data, (ppp2p::net::Bytes{1, 2, 3}));
  auto s = round_trip<Spawn>(Spawn{7, {9, 0x1000, 0x2000, bytes({5, 6})}});
  EXPECT_EQ(s.request.vt, 9u);
  EXPECT_EQ(s.request.entry, 0x1000u);
  EXPECT_EQ(s.request.function, 0x2000u);
  EXPECT_EQ(s.request.args, bytes({5, 6}));
  EXPECT_EQ(round_trip<Cancel>(Cancel{7, 9}).vt, 9u);
  EXPECT_EQ(round_trip<Release>(Release{7}).vc, 7u);
  EXPECT_EQ(round_trip<Resign>(Resign{7, "leaving"}).reason, "leaving");
  VtEvent ev;
  ev.vt = 3;
  ev.kind = VtEvent::Kind::failure;
  ev.failure = VtEvent::Failure::crashed;
  ev.type = "t";
  ev.what = "executor killed by signal 9 (Killed)";
  auto got = round_trip<Event>(Event{7, ev});
  EXPECT_EQ(got.event.failure, VtEvent::Failure::crashed);
  EXPECT_EQ(got.event.what, ev.what);
}

TEST(DeployMessages, OutOfRangeFieldsAreRefused) {
  std::string error;
  EXPECT_FALSE(decode(encode(EnrolRequest{1, some_hash(), 0, 1}), error));
  EXPECT_NE(error.find("module size"), std::string::npos) << error;
  EXPECT_FALSE(decode(encode(EnrolRequest{1, some_hash(), 10, 100000}), error));
  EXPECT_FALSE(decode(encode(FetchChunk{some_hash(), 0, (1u << 20) + 1}), error));
  EXPECT_FALSE(decode(encode(FetchChunk{some_hash(), 0, 0}), error));
  EXPECT_FALSE(decode(encode(EnrolReply{true, 0, {}}), error)) << "accepted with no slots";
}

TEST(DeployMessages, DamagedBytesAreRefusedNeverCrash) {
  auto good = encode(Spawn{7, {9, 1, 2, bytes({1, 2, 3, 4})}});
  std::string error;
  for (std::size_t n = 0; n < good.size(); ++n) {
    // Cut anywhere: refused, unless only trailing padding went (then it is the same message).
    ppp2p::net::Bytes cut(good.begin(), good.begin() + static_cast<long>(n));
    if (auto m = decode(cut, error)) {
      ASSERT_TRUE(std::holds_alternative<Spawn>(*m)) << n;
      EXPECT_EQ(std::get<Spawn>(*m).request.args, bytes({1, 2, 3, 4})) << n;
      EXPECT_GE(n + 8, good.size()) << n;
    }
  }
  ppp2p::net::membership::SplitMix r(5);
  for (int i = 0; i < 20000; ++i) {
    auto bad = good;
    bad[r.below(bad.size())] ^= static_cast<std::uint8_t>(1 + r.below(255));
    (void)decode(bad, error); // must not crash or read out of bounds (run under ASan in fuzz)
  }
}

namespace {
cw::Bytes payload(const cw::Bytes& frame) {
  EXPECT_GE(frame.size(), 4u);
  EXPECT_EQ(cw::frame_length(frame.data()), frame.size() - 4);
  return cw::Bytes(frame.begin() + 4, frame.end());
}
} // namespace

TEST(ClientProtocol, RoundTripsBothWays) {
  ppp2p::detail::VcRequest req;
  req.workers = 4;
  req.slots_per_worker = 2;
  req.min_speed = 50;
  req.enrol_timeout = std::chrono::milliseconds(1500);
  req.module_path = "/usr/local/bin/primes";
  cw::Bytes frames;
  cw::append_create(frames, req);
  std::string error;
  auto m = cw::decode_to_agent(payload(frames), error);
  ASSERT_TRUE(m) << error;
  auto& got = std::get<ppp2p::detail::VcRequest>(*m);
  EXPECT_EQ(got.workers, 4u);
  EXPECT_EQ(got.slots_per_worker, 2u);
  EXPECT_EQ(got.min_speed, 50);
  EXPECT_EQ(got.enrol_timeout.count(), 1500);
  EXPECT_EQ(got.module_path, req.module_path);

  std::vector<ppp2p::detail::SpawnRequest> spawns{{0, 1, 2, bytes({1})}, {1, 1, 2, {}}};
  spawns[1].avoid = "127.0.0.1:1";
  spawns[1].to = "127.0.0.1:2";
  frames.clear();
  cw::append_spawns(frames, spawns, 0, 2);
  m = cw::decode_to_agent(payload(frames), error);
  ASSERT_TRUE(m) << error;
  auto& got_spawns = std::get<std::vector<ppp2p::detail::SpawnRequest>>(*m);
  ASSERT_EQ(got_spawns.size(), 2u);
  EXPECT_EQ(got_spawns[0].to, "");
  EXPECT_EQ(got_spawns[1].avoid, "127.0.0.1:1");
  EXPECT_EQ(got_spawns[1].to, "127.0.0.1:2");

  frames.clear();
  cw::append_created(frames, {7, 2, "ab", {"127.0.0.1:1", "127.0.0.1:2"}});
  auto created = cw::decode_to_client(payload(frames), error);
  ASSERT_TRUE(created) << error;
  EXPECT_EQ(std::get<cw::VcCreated>(*created).names,
            (std::vector<std::string>{"127.0.0.1:1", "127.0.0.1:2"}));
  frames.clear();
  cw::append_workers(frames, {1, {"127.0.0.1:2"}});
  auto changed = cw::decode_to_client(payload(frames), error);
  ASSERT_TRUE(changed) << error;
  EXPECT_EQ(std::get<cw::WorkersChanged>(*changed).workers, 1u);
  EXPECT_EQ(std::get<cw::WorkersChanged>(*changed).names, std::vector<std::string>{"127.0.0.1:2"});
  frames.clear();
  cw::append_workers(frames, {1, {std::string(600, 'x')}});
  EXPECT_FALSE(cw::decode_to_client(payload(frames), error)) << "a name over 512 bytes";
  EXPECT_NE(error.find("worker name"), std::string::npos) << error;

  std::vector<VtEvent> events(2);
  events[0].vt = 5;
  events[0].value = bytes({9, 9});
  events[1].vt = 6;
  events[1].kind = VtEvent::Kind::failure;
  events[1].failure = VtEvent::Failure::lost;
  events[1].what = "worker died";
  events[1].peer = "127.0.0.1:1";
  frames.clear();
  cw::append_events(frames, events);
  auto c = cw::decode_to_client(payload(frames), error);
  ASSERT_TRUE(c) << error;
  auto& evs = std::get<std::vector<VtEvent>>(*c);
  ASSERT_EQ(evs.size(), 2u);
  EXPECT_EQ(evs[0].value, bytes({9, 9}));
  EXPECT_EQ(evs[1].failure, VtEvent::Failure::lost);
  EXPECT_EQ(evs[1].peer, "127.0.0.1:1");
}

TEST(ClientProtocol, EachSideRefusesTheOthersMessagesAndBadRequests) {
  std::string error;
  cw::Bytes frames;
  cw::append_created(frames, {1, 2, "ab"});
  EXPECT_FALSE(cw::decode_to_agent(payload(frames), error));
  frames.clear();
  cw::append_release(frames);
  EXPECT_FALSE(cw::decode_to_client(payload(frames), error));

  ppp2p::detail::VcRequest req;
  req.module_path = "relative/path";
  frames.clear();
  cw::append_create(frames, req);
  EXPECT_FALSE(cw::decode_to_agent(payload(frames), error));
  EXPECT_NE(error.find("absolute"), std::string::npos) << error;
  req.module_path = "/x";
  req.workers = 100000;
  frames.clear();
  cw::append_create(frames, req);
  EXPECT_FALSE(cw::decode_to_agent(payload(frames), error));
  req.workers = 1;
  req.min_speed = -1;
  frames.clear();
  cw::append_create(frames, req);
  EXPECT_FALSE(cw::decode_to_agent(payload(frames), error));
  EXPECT_FALSE(cw::decode_to_agent(cw::Bytes(3, 0), error));
  EXPECT_FALSE(cw::decode_to_agent(cw::Bytes(64, 0xff), error));
}
