// The pure parts of membership: suspicion timeouts, retransmit limits, the broadcast queue and
// the wire codec.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/membership/broadcast_queue.hpp"
#include "ppp2p/net/membership/codec.hpp"
#include "ppp2p/net/membership/config.hpp"

using namespace ppp2p::net;
using namespace ppp2p::net::membership;

namespace {

MemberId id_of(std::uint8_t v) {
  MemberId id;
  id.bytes.fill(v);
  return id;
}

Update update(std::uint8_t v, std::uint64_t inc = 1, State s = State::alive) {
  return {id_of(v), "10.0.0." + std::to_string(v) + ":7946", inc, s, Meta{4, 2, 1, 100, 0.5f}, {}};
}

} // namespace

TEST(SuspicionTimeout, ShrinksFromMaxToMinAsConfirmationsArrive) {
  Config cfg;
  cfg.probe_interval = Millis{1000};
  cfg.suspicion_mult = 4;
  cfg.suspicion_max_mult = 6;
  // n = 8: log10(8) < 1, so min = 4 * 1 * 1 s and max = 6 * min.
  EXPECT_EQ(suspicion_timeout(cfg, 8, 0), Millis{24000});
  Millis one = suspicion_timeout(cfg, 8, 1);
  EXPECT_LT(one, Millis{24000});
  EXPECT_GT(one, Millis{4000});
  EXPECT_EQ(suspicion_timeout(cfg, 8, 2), Millis{4000});
  EXPECT_EQ(suspicion_timeout(cfg, 8, 50), Millis{4000});
}

TEST(SuspicionTimeout, GrowsWithTheLogOfTheClusterSize) {
  Config cfg;
  cfg.probe_interval = Millis{1000};
  cfg.suspicion_mult = 4;
  EXPECT_EQ(suspicion_timeout(cfg, 1000, 100), Millis{12000}); // 4 * log10(1000) * 1 s
  EXPECT_GT(suspicion_timeout(cfg, 1000, 0), suspicion_timeout(cfg, 100, 0));
}

TEST(SuspicionTimeout, TinyClustersUseTheMinimum) {
  // With 2 members nobody else can confirm: waiting for confirmations would only delay.
  Config cfg;
  EXPECT_EQ(suspicion_timeout(cfg, 2, 0), suspicion_timeout(cfg, 2, 5));
}

TEST(RetransmitLimit, ScalesWithLogOfMembers) {
  Config cfg;
  cfg.retransmit_mult = 4;
  EXPECT_EQ(retransmit_limit(cfg, 1), 4u);
  EXPECT_EQ(retransmit_limit(cfg, 9), 4u);
  EXPECT_EQ(retransmit_limit(cfg, 10), 8u);
  EXPECT_EQ(retransmit_limit(cfg, 500), 12u);
}

TEST(PushPullPeriod, GrowsByOneIntervalPerDoublingAbove32Members) {
  Config cfg;
  cfg.push_pull_interval = Millis{10000};
  EXPECT_EQ(push_pull_period(cfg, 8), Millis{10000});
  EXPECT_EQ(push_pull_period(cfg, 32), Millis{10000});
  EXPECT_EQ(push_pull_period(cfg, 33), Millis{20000});
  EXPECT_EQ(push_pull_period(cfg, 64), Millis{20000});
  EXPECT_EQ(push_pull_period(cfg, 200), Millis{40000});
}

TEST(BroadcastQueue, LeastSentFirstThenDroppedAtTheLimit) {
  BroadcastQueue q;
  q.push(update(1));
  q.push(update(2));
  auto first = q.take(1, 2);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, id_of(2)); // same count: newest first
  auto second = q.take(1, 2);
  EXPECT_EQ(second[0].id, id_of(1)); // never sent beats sent once
  EXPECT_EQ(q.take(10, 2).size(), 2u);
  EXPECT_TRUE(q.empty());
}

TEST(BroadcastQueue, NewerNewsReplacesOlderAboutTheSameMember) {
  BroadcastQueue q;
  q.push(update(1, 1, State::alive));
  q.take(1, 10);
  q.push(update(1, 1, State::suspect));
  EXPECT_EQ(q.size(), 1u);
  auto out = q.take(10, 10);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].state, State::suspect);
}

TEST(MembershipCodec, RoundTripsEveryBody) {
  Message m;
  m.sender = id_of(9);
  m.sender_address = "127.0.0.1:20001";
  m.kind = BodyKind::ping_req;
  m.seq = 77;
  m.target = id_of(3);
  m.target_address = "[::1]:5";
  m.gossip = {update(1), update(2, 5, State::dead)};
  m.gossip[1].from = id_of(9);
  auto back = decode(encode(m), 1 << 20);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->sender, m.sender);
  EXPECT_EQ(back->sender_address, m.sender_address);
  EXPECT_EQ(back->kind, BodyKind::ping_req);
  EXPECT_EQ(back->seq, 77u);
  EXPECT_EQ(back->target, m.target);
  EXPECT_EQ(back->target_address, "[::1]:5");
  ASSERT_EQ(back->gossip.size(), 2u);
  EXPECT_EQ(back->gossip[1].state, State::dead);
  EXPECT_EQ(back->gossip[1].incarnation, 5u);
  EXPECT_EQ(back->gossip[1].from, id_of(9));
  EXPECT_EQ(back->gossip[0].meta, (Meta{4, 2, 1, 100, 0.5f}));

  Message sync;
  sync.sender = id_of(1);
  sync.sender_address = "h:1";
  sync.kind = BodyKind::sync;
  sync.reply = true;
  sync.members = {update(4), update(5)};
  auto s = decode(encode(sync), 1 << 20);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->reply);
  EXPECT_EQ(s->members.size(), 2u);
  for (BodyKind k : {BodyKind::none, BodyKind::ping, BodyKind::ack, BodyKind::nack}) {
    Message x;
    x.sender = id_of(1);
    x.sender_address = "h:1";
    x.kind = k;
    x.seq = 5;
    auto d = decode(encode(x), 1 << 20);
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->kind, k);
  }
}

TEST(MembershipCodec, DecodesMessagesAtAnyAlignment) {
  Message m;
  m.sender = id_of(1);
  m.sender_address = "h:1";
  m.gossip = {update(2)};
  Bytes enc = encode(m);
  for (std::size_t shift = 0; shift < 8; ++shift) {
    Bytes buf(shift);
    buf.insert(buf.end(), enc.begin(), enc.end());
    auto d = decode(ByteView(buf).subspan(shift), 1 << 20);
    ASSERT_TRUE(d.ok()) << shift;
    EXPECT_EQ(d->gossip.size(), 1u);
  }
}

TEST(MembershipCodec, RejectsGarbageAndOversizedMessages) {
  EXPECT_EQ(decode(Bytes{1, 2, 3}, 100).error(), errc::frame_invalid);
  EXPECT_EQ(decode(Bytes(64, 0xff), 100).error(), errc::frame_invalid);
  Message m;
  m.sender = id_of(1);
  m.sender_address = "h:1";
  Bytes ok = encode(m);
  EXPECT_TRUE(decode(ok, ok.size()).ok());
  EXPECT_EQ(decode(ok, ok.size() - 1).error(), errc::frame_invalid);
}

TEST(MembershipCodec, RejectsAddressesWithControlCharactersOrExcessLength) {
  Message m;
  m.sender = id_of(1);
  m.sender_address = "evil\nlog line:1";
  EXPECT_EQ(decode(encode(m), 1 << 20).error(), errc::frame_invalid);
  m.sender_address = std::string(300, 'a') + ":1";
  EXPECT_EQ(decode(encode(m), 1 << 20).error(), errc::frame_invalid);
  m.sender_address = "ok:1";
  m.gossip = {update(1)};
  m.gossip[0].address = "";
  EXPECT_EQ(decode(encode(m), 1 << 20).error(), errc::frame_invalid);
}

TEST(MembershipCodec, NonFiniteMetadataBecomesZero) {
  Message m;
  m.sender = id_of(1);
  m.sender_address = "h:1";
  m.gossip = {update(1)};
  m.gossip[0].meta.speed = std::numeric_limits<float>::quiet_NaN();
  m.gossip[0].meta.load = -std::numeric_limits<float>::infinity();
  auto d = decode(encode(m), 1 << 20);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->gossip[0].meta.speed, 0.0f);
  EXPECT_EQ(d->gossip[0].meta.load, 0.0f);
}
