// The message protocol's two ends in one process, without executors: the owner driven frame by
// frame (ordering, dedup by effect number, journal replay, locks, back-pressure, bad frames),
// and the VT side's replay and type checks.
#include "vc/messages/message_frames.hpp"
#include "vc/messages/messages_owner.hpp"
#include "vc/messages/vt_messages.hpp"

#include <ppp2p/errors.hpp>

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ppp2p::detail {
namespace {

namespace wire = messages::wire;

Bytes value_of(int v) {
  return encode_value(v);
}

/// What the owner sent to each VT, decoded enough to check.
struct Sent {
  wire::Body kind;
  VtId from = 0;
  std::uint64_t number = 0; // Deliver: message; GlobalReply: effect; SendAck: through
  std::uint64_t replay = 0; // Deliver: replay; ReplayMiss: effect
  std::uint64_t count = 0;  // ReplayMiss
  bool replayed = false;    // GlobalReply
  bool has_value = false;
  int value = 0;
  std::string error;
};

class MessagesOwnerTest : public ::testing::Test {
protected:
  explicit MessagesOwnerTest(std::size_t limit = 1u << 20)
      : owner_({limit}, [this](VtId vt, Bytes frame) { record(vt, frame); }) {}

  void record(VtId vt, const Bytes& bytes) {
    Bytes storage;
    const wire::Frame* frame = messages::verify(bytes, storage);
    ASSERT_NE(frame, nullptr);
    Sent s{frame->body_type()};
    if (auto d = frame->body_as_Deliver()) {
      s.from = d->from();
      s.number = d->message();
      s.replay = d->replay();
      s.has_value = messages::text_of(d->type()) == typeid(int).name();
      if (s.has_value)
        s.value = decode_value<int>(
            Bytes(messages::bytes_of(d->value()).begin(), messages::bytes_of(d->value()).end()));
    } else if (auto m = frame->body_as_ReplayMiss()) {
      s.replay = m->effect();
      s.count = m->count();
    } else if (auto r = frame->body_as_GlobalReply()) {
      s.number = r->effect();
      s.replayed = r->replay();
      s.has_value = r->value() != nullptr;
      if (s.has_value)
        s.value = decode_value<int>(
            Bytes(messages::bytes_of(r->value()).begin(), messages::bytes_of(r->value()).end()));
      s.error = std::string(messages::text_of(r->error()));
    } else if (auto a = frame->body_as_SendAck()) {
      s.number = a->through();
    }
    sent_[vt].push_back(s);
  }

  void send(VtId from, std::uint64_t effect, VtId to, int v) {
    owner_.from_vt(from, messages::send(effect, to, typeid(int).name(), value_of(v)));
  }
  void global(VtId vt, std::uint64_t effect, wire::GlobalOp op, const std::string& name,
              const Bytes* value = nullptr, const char* type = typeid(int).name()) {
    owner_.from_vt(vt, messages::global_request(effect, op, name, type, value));
  }
  std::vector<Sent> take(VtId vt) { return std::exchange(sent_[vt], {}); }

  MessagesOwner owner_;
  std::map<VtId, std::vector<Sent>> sent_;
};

TEST_F(MessagesOwnerTest, RoutesInOrderAndDropsReExecutedSends) {
  owner_.placed(1, 0);
  owner_.placed(2, 0);
  send(1, 1, 2, 10);
  send(1, 2, 2, 20);
  send(1, 2, 2, 20); // re-executed: same effect number
  send(1, 1, 2, 10);
  std::vector<Sent> got = take(2);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].value, 10);
  EXPECT_EQ(got[1].value, 20);
  EXPECT_EQ(got[1].number, 2u);
  EXPECT_EQ(owner_.stats().duplicates, 2u);
  EXPECT_EQ(owner_.stats().messages, 2u);
}

TEST_F(MessagesOwnerTest, MessagesForAVirtualThreadNotPlacedYetWaitForIt) {
  owner_.placed(1, 0);
  send(1, 1, 5, 7);
  EXPECT_TRUE(take(5).empty());
  owner_.placed(5, 0);
  std::vector<Sent> got = take(5);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, 7);
  EXPECT_EQ(got[0].replay, 0u);
}

TEST_F(MessagesOwnerTest, AResumedReceiverSeesWhatItTookBeforeThenWhatWaits) {
  owner_.placed(1, 0);
  owner_.placed(2, 0);
  for (int i = 1; i <= 4; ++i)
    send(1, std::uint64_t(i), 2, i * 100);
  // VT 2: effects 1, 2 take messages 1 and 2; effects 3-5 find nothing (try_receive).
  owner_.from_vt(2, messages::consumed(1, 1, 1));
  owner_.from_vt(2, messages::consumed(2, 1, 2));
  owner_.from_vt(2, messages::missed(3, 3));
  EXPECT_EQ(owner_.applied(2), 5u);
  owner_.checkpointed(2, 1); // resumed from a checkpoint after effect 1
  owner_.stopped(2);
  take(2);
  owner_.placed(2, 1);
  std::vector<Sent> got = take(2);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].kind, wire::Body::Deliver);
  EXPECT_EQ(got[0].replay, 2u); // effect 2 took message 2 again
  EXPECT_EQ(got[0].value, 200);
  EXPECT_EQ(got[1].kind, wire::Body::ReplayMiss);
  EXPECT_EQ(got[1].replay, 3u);
  EXPECT_EQ(got[1].count, 3u);
  EXPECT_EQ(got[2].replay, 0u); // then the messages still waiting, in order
  EXPECT_EQ(got[2].value, 300);
  EXPECT_EQ(got[3].value, 400);
  // Re-executed consumption records change nothing.
  owner_.from_vt(2, messages::consumed(2, 1, 2));
  EXPECT_EQ(owner_.applied(2), 5u);
}

TEST_F(MessagesOwnerTest, ARunOfConsumedMessagesIsJournaledLikeSingleOnes) {
  owner_.placed(1, 0);
  owner_.placed(2, 0);
  for (int i = 1; i <= 4; ++i)
    send(1, std::uint64_t(i), 2, i * 100);
  take(2);
  std::vector<std::pair<VtId, std::uint64_t>> taken{{1, 1}, {1, 2}, {1, 3}};
  owner_.from_vt(2, messages::consumed_run(1, taken));
  EXPECT_EQ(owner_.applied(2), 3u);
  // Told again by a re-execution that got as far: nothing changes.
  owner_.from_vt(2, messages::consumed_run(1, taken));
  EXPECT_EQ(owner_.applied(2), 3u);
  EXPECT_EQ(owner_.stats().duplicates, 3u);
  owner_.checkpointed(2, 1);
  owner_.stopped(2);
  owner_.placed(2, 1);
  std::vector<Sent> got = take(2);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].replay, 2u);
  EXPECT_EQ(got[0].value, 200);
  EXPECT_EQ(got[1].replay, 3u);
  EXPECT_EQ(got[1].value, 300);
  EXPECT_EQ(got[2].replay, 0u);
  EXPECT_EQ(got[2].value, 400);
  // A run that names a message not waiting, or no message at all, is refused.
  std::vector<std::pair<VtId, std::uint64_t>> stray{{1, 4}, {1, 9}};
  EXPECT_THROW(owner_.from_vt(2, messages::consumed_run(4, stray)), error);
  EXPECT_EQ(owner_.applied(2), 3u) << "nothing of a refused run is applied";
  std::vector<std::pair<VtId, std::uint64_t>> twice{{1, 4}, {1, 4}};
  EXPECT_THROW(owner_.from_vt(2, messages::consumed_run(4, twice)), error);
  std::vector<std::pair<VtId, std::uint64_t>> none;
  EXPECT_THROW(owner_.from_vt(2, messages::consumed_run(5, none)), error);
}

TEST_F(MessagesOwnerTest, RepliesToAVirtualThreadNotMarkedPlacedYetWaitUntilItIs) {
  // VcCore sends a VT's Run, then marks it placed: its first request can come between.
  global(1, 1, wire::GlobalOp::read, "g");
  EXPECT_TRUE(take(1).empty());
  owner_.placed(1, 0);
  std::vector<Sent> got = take(1);
  ASSERT_EQ(got.size(), 1u) << "the reply was kept, not dropped";
  EXPECT_EQ(got[0].kind, wire::Body::GlobalReply);
  EXPECT_EQ(got[0].number, 1u);
  // The same for a resumed run: stopped, its Run sent again, its first request answered, then
  // marked placed.
  owner_.stopped(1);
  global(1, 2, wire::GlobalOp::read, "g");
  EXPECT_TRUE(take(1).empty());
  owner_.placed(1, 1);
  got = take(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind, wire::Body::GlobalReply);
  EXPECT_EQ(got[0].number, 2u);
  // An ended VT gets nothing.
  owner_.finished(1);
  global(1, 3, wire::GlobalOp::read, "g");
  EXPECT_TRUE(take(1).empty());
}

TEST_F(MessagesOwnerTest, ConsumingAMessageThatIsNotWaitingIsAProtocolError) {
  owner_.placed(2, 0);
  EXPECT_THROW(owner_.from_vt(2, messages::consumed(1, 1, 9)), error);
  Bytes garbage{std::byte{1}, std::byte{2}, std::byte{3}};
  EXPECT_THROW(owner_.from_vt(2, garbage), error);
  EXPECT_THROW(owner_.from_vt(2, messages::send_ack(3)), error); // only the owner sends that
  EXPECT_THROW(send(2, 1, 2, 0), error);                         // to itself
}

TEST_F(MessagesOwnerTest, GlobalsReadUnsetWriteAndReplayTheirReplies) {
  owner_.placed(1, 0);
  global(1, 1, wire::GlobalOp::read, "g");
  Bytes five = value_of(5);
  global(1, 2, wire::GlobalOp::write, "g", &five);
  global(1, 3, wire::GlobalOp::read, "g");
  std::vector<Sent> got = take(1);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_FALSE(got[0].has_value); // never written: T{}
  EXPECT_EQ(got[2].value, 5);
  // Re-executed from effect 0: the same replies, marked as replays, nothing applied again.
  Bytes six = value_of(6);
  global(1, 1, wire::GlobalOp::read, "g");
  global(1, 2, wire::GlobalOp::write, "g", &six);
  global(1, 3, wire::GlobalOp::read, "g");
  got = take(1);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_TRUE(got[0].replayed);
  EXPECT_FALSE(got[0].has_value);
  EXPECT_EQ(got[2].value, 5);
  EXPECT_EQ(owner_.client_read("g", typeid(int).name()).bytes, five);
  // A replay that asks for another operation than the first run did is named.
  global(1, 2, wire::GlobalOp::read, "g");
  got = take(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].error.find("not the same operation"), std::string::npos);
}

TEST_F(MessagesOwnerTest, AnUpdateHoldsTheLockAndOthersWaitForItsCommit) {
  owner_.placed(1, 0);
  owner_.placed(2, 0);
  global(1, 1, wire::GlobalOp::acquire, "g");
  global(2, 1, wire::GlobalOp::read, "g");
  ASSERT_EQ(take(1).size(), 1u);
  EXPECT_TRUE(take(2).empty()) << "a read overtook an update in progress";
  Bytes nine = value_of(9);
  global(1, 1, wire::GlobalOp::commit, "g", &nine);
  std::vector<Sent> got = take(2);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].value, 9);
  // The update re-executed: it sees the value it saw (unset), marked as a replay.
  global(1, 1, wire::GlobalOp::acquire, "g");
  got = take(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].replayed);
  EXPECT_FALSE(got[0].has_value);
}

TEST_F(MessagesOwnerTest, AnUpdateWhoseVirtualThreadStopsBeforeCommittingIsUndone) {
  owner_.placed(1, 0);
  owner_.placed(2, 0);
  Bytes one = value_of(1);
  global(1, 1, wire::GlobalOp::write, "g", &one);
  global(1, 2, wire::GlobalOp::acquire, "g");
  global(2, 1, wire::GlobalOp::acquire, "g"); // queued behind VT 1
  take(1);
  EXPECT_TRUE(take(2).empty());
  owner_.stopped(1);
  EXPECT_EQ(owner_.applied(1), 1u) << "the uncommitted acquire is re-executed as new";
  std::vector<Sent> got = take(2);
  ASSERT_EQ(got.size(), 1u); // VT 2 got the lock, and the value without VT 1's update
  EXPECT_EQ(got[0].value, 1);
  Bytes two = value_of(2);
  global(2, 1, wire::GlobalOp::commit, "g", &two);
  owner_.placed(1, 1);
  global(1, 2, wire::GlobalOp::acquire, "g"); // VT 1 again: a new acquire, not a replay
  got = take(1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].replayed);
  EXPECT_EQ(got[0].value, 2);
}

TEST_F(MessagesOwnerTest, AnOperationWithAnotherTypeFailsNamingBothAndChangesNothing) {
  owner_.placed(1, 0);
  Bytes three = value_of(3);
  global(1, 1, wire::GlobalOp::write, "g", &three);
  Bytes text = encode_value(std::string("x"));
  global(1, 2, wire::GlobalOp::write, "g", &text, typeid(std::string).name());
  std::vector<Sent> got = take(1);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_NE(got[1].error.find("holds a int"), std::string::npos) << got[1].error;
  EXPECT_NE(got[1].error.find("string"), std::string::npos) << got[1].error;
  EXPECT_EQ(owner_.client_read("g", typeid(int).name()).bytes, three);
  EXPECT_THROW(owner_.client_read("g", typeid(double).name()), error);
}

class SmallBufferTest : public MessagesOwnerTest {
protected:
  SmallBufferTest() : MessagesOwnerTest(1000) {}
};

TEST_F(SmallBufferTest, OverTheLimitSendsAreNotAcknowledgedUntilConsumed) {
  owner_.placed(1, 0);
  owner_.placed(2, 0);
  // Large messages: each one past a quarter window is acknowledged while under the limit.
  Bytes big(kSendWindowBytes / 2, std::byte{1});
  owner_.from_vt(1, messages::send(1, 2, "blob", big));
  std::vector<Sent> acks = take(1);
  EXPECT_TRUE(acks.empty()) << "over the limit: no acknowledgement";
  EXPECT_EQ(owner_.stats().buffered_bytes, big.size());
  owner_.from_vt(2, messages::consumed(1, 1, 1));
  acks = take(1);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].kind, wire::Body::SendAck);
  EXPECT_EQ(acks[0].number, 1u);
  EXPECT_EQ(owner_.stats().buffered_bytes, 0u);
}

TEST(VtMessages, AReExecutedReceiveWaitsForItsReplayAndChecksIt) {
  std::vector<Bytes> out;
  VtMessages vt(3, 0, 2, [&](Bytes frame) { out.push_back(std::move(frame)); });
  // A fresh message arrives before the replays: effects 1 and 2 must not take it.
  vt.on_frame(messages::deliver(1, 7, typeid(int).name(), value_of(70), 0));
  std::thread owner([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    vt.on_frame(messages::deliver(1, 5, typeid(int).name(), value_of(50), 1));
    vt.on_frame(messages::replay_miss(2, 1));
  });
  std::optional<Bytes> first = vt.receive(any_sender, typeid(int).name(), true);
  owner.join();
  ASSERT_TRUE(first);
  EXPECT_EQ(decode_value<int>(*first), 50);
  EXPECT_FALSE(vt.receive(any_sender, typeid(int).name(), false)); // the replayed miss
  std::optional<Bytes> third = vt.receive(any_sender, typeid(int).name(), true);
  ASSERT_TRUE(third);
  EXPECT_EQ(decode_value<int>(*third), 70);
  EXPECT_EQ(vt.effect(), 3u);
  EXPECT_TRUE(out.empty()) << "what a receive took is told with the VT's next frame";
  vt.flush();
  ASSERT_EQ(out.size(), 1u) << "only the new receive is reported";
  Bytes storage;
  EXPECT_EQ(messages::verify(out[0], storage)->body_as_Consumed()->effect(), 3u);
}

TEST(VtMessages, AReplayThatDoesNotMatchTheReceiveIsNamed) {
  VtMessages vt(3, 0, 1, [](Bytes) {});
  vt.on_frame(messages::deliver(1, 5, typeid(int).name(), value_of(50), 1));
  try {
    vt.receive(2, typeid(int).name(), true);
    FAIL() << "expected replay_diverged";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::replay_diverged);
    EXPECT_NE(std::string(e.what()).find("from VT 2"), std::string::npos) << e.what();
  }
}

TEST(VtMessages, MissesAreReportedAsOneRunBeforeTheNextFrame) {
  std::vector<Bytes> out;
  VtMessages vt(3, 0, 0, [&](Bytes frame) { out.push_back(std::move(frame)); });
  for (int i = 0; i < 5; ++i)
    EXPECT_FALSE(vt.receive(any_sender, typeid(int).name(), false));
  EXPECT_TRUE(out.empty());
  Bytes v = value_of(1);
  ASSERT_TRUE(vt.send(4, typeid(int).name(), v));
  ASSERT_EQ(out.size(), 2u);
  Bytes storage;
  const wire::Missed* missed = messages::verify(out[0], storage)->body_as_Missed();
  ASSERT_NE(missed, nullptr);
  EXPECT_EQ(missed->first(), 1u);
  EXPECT_EQ(missed->count(), 5u);
  EXPECT_EQ(messages::verify(out[1], storage)->body_as_Send()->effect(), 6u);
}

TEST(VtMessages, WhatReceivesTookIsToldInRunsBeforeTheNextFrameOrAWait) {
  std::vector<Bytes> out;
  std::mutex out_mutex;
  VtMessages vt(3, 0, 0, [&](Bytes frame) {
    std::lock_guard lock(out_mutex);
    out.push_back(std::move(frame));
  });
  for (std::uint64_t m = 1; m <= 3; ++m)
    vt.on_frame(messages::deliver(1, m, typeid(int).name(), value_of(int(m)), 0));
  for (int i = 1; i <= 3; ++i)
    EXPECT_EQ(decode_value<int>(*vt.receive(any_sender, typeid(int).name(), true)), i);
  EXPECT_TRUE(out.empty());
  EXPECT_FALSE(vt.receive(any_sender, typeid(int).name(), false)); // a miss ends the run
  Bytes v = value_of(1);
  ASSERT_TRUE(vt.send(4, typeid(int).name(), v));
  ASSERT_EQ(out.size(), 3u);
  Bytes storage;
  const wire::ConsumedRun* run = messages::verify(out[0], storage)->body_as_ConsumedRun();
  ASSERT_NE(run, nullptr);
  EXPECT_EQ(run->first(), 1u);
  ASSERT_EQ(run->taken()->size(), 3u);
  for (std::uint32_t i = 0; i < 3; ++i) {
    EXPECT_EQ(run->taken()->Get(i)->from(), 1u);
    EXPECT_EQ(run->taken()->Get(i)->message(), i + 1);
  }
  const wire::Missed* missed = messages::verify(out[1], storage)->body_as_Missed();
  ASSERT_NE(missed, nullptr);
  EXPECT_EQ(missed->first(), 4u);
  EXPECT_EQ(messages::verify(out[2], storage)->body_as_Send()->effect(), 5u);

  // A receive that has to wait tells the owner first (the owner may be holding senders back
  // until it learns what this VT took).
  out.clear();
  vt.on_frame(messages::deliver(1, 4, typeid(int).name(), value_of(4), 0));
  EXPECT_EQ(decode_value<int>(*vt.receive(1, typeid(int).name(), true)), 4);
  std::thread owner([&] {
    // Waits for the VT's report (5 s at most, so that a VT that does not report fails the
    // test below instead of hanging it).
    for (int waited = 0; waited < 5000; ++waited) {
      {
        std::lock_guard lock(out_mutex);
        if (!out.empty())
          break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    vt.on_frame(messages::deliver(1, 5, typeid(int).name(), value_of(5), 0));
  });
  EXPECT_EQ(decode_value<int>(*vt.receive(1, typeid(int).name(), true)), 5);
  owner.join();
  ASSERT_EQ(out.size(), 1u);
  const wire::Consumed* one = messages::verify(out[0], storage)->body_as_Consumed();
  ASSERT_NE(one, nullptr) << "a run of one is a Consumed";
  EXPECT_EQ(one->effect(), 6u);
  EXPECT_EQ(one->message(), 4u);
}

TEST(VtMessages, ALongRunIsToldEveryKConsumedRunMaxReceives) {
  std::vector<Bytes> out;
  VtMessages vt(3, 0, 0, [&](Bytes frame) { out.push_back(std::move(frame)); });
  const std::uint64_t n = kConsumedRunMax + 5;
  for (std::uint64_t m = 1; m <= n; ++m)
    vt.on_frame(messages::deliver(2, m, typeid(int).name(), value_of(int(m)), 0));
  for (std::uint64_t m = 1; m <= n; ++m)
    vt.receive(2, typeid(int).name(), true);
  ASSERT_EQ(out.size(), 1u);
  Bytes storage;
  EXPECT_EQ(messages::verify(out[0], storage)->body_as_ConsumedRun()->taken()->size(),
            kConsumedRunMax);
  vt.flush();
  ASSERT_EQ(out.size(), 2u);
  const wire::ConsumedRun* rest = messages::verify(out[1], storage)->body_as_ConsumedRun();
  EXPECT_EQ(rest->first(), kConsumedRunMax + 1);
  EXPECT_EQ(rest->taken()->size(), 5u);
}

TEST(VtMessages, AMessageOfAnotherTypeIsNotTakenAndNamesBothTypes) {
  VtMessages vt(3, 0, 0, [](Bytes) {});
  vt.on_frame(
      messages::deliver(1, 1, typeid(std::string).name(), encode_value(std::string("s")), 0));
  try {
    vt.receive(any_sender, typeid(int).name(), false);
    FAIL() << "expected type_mismatch";
  } catch (const error& e) {
    EXPECT_EQ(e.code(), errc::type_mismatch);
    EXPECT_NE(std::string(e.what()).find("receives int"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(vt.receive(any_sender, typeid(std::string).name(), false)) << "it must stay";
}

} // namespace
} // namespace ppp2p::detail
