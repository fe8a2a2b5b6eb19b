// GlobalOwner (runtime/vc/messages/global_owner.hpp): the globals of a VC as their owner holds
// them, without locks, frames or a journal. What each operation answers; updates exclusive and
// FIFO; a VT that stops or ends gives its update back; and a simulation of many VTs updating,
// reading and stopping at random, checked against a sequential model.
#include "vc/messages/global_owner.hpp"

#include <ppp2p/errors.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

using ppp2p::detail::Bytes;
using ppp2p::detail::GlobalOpKind;
using ppp2p::detail::GlobalOutcome;
using ppp2p::detail::GlobalOwner;
using ppp2p::detail::GlobalRequest;

Bytes bytes_of(long v) {
  Bytes out(sizeof v);
  std::memcpy(out.data(), &v, sizeof v);
  return out;
}

long long_of(const ppp2p::detail::GlobalValue& value) {
  long v = 0;
  EXPECT_TRUE(value.set);
  if (value.bytes.size() == sizeof v)
    std::memcpy(&v, value.bytes.data(), sizeof v);
  return v;
}

GlobalRequest op(ppp2p::VtId who, std::uint64_t effect, GlobalOpKind kind, const char* type = "l") {
  return GlobalRequest{who, effect, kind, type, {}};
}

GlobalRequest write(ppp2p::VtId who, std::uint64_t effect, long v) {
  return GlobalRequest{who, effect, GlobalOpKind::write, "l", {true, bytes_of(v)}};
}

TEST(GlobalOwner, AReadOfAGlobalNeverWrittenIsUnsetAndAWriteIsReadBack) {
  GlobalOwner owner;
  auto first = owner.request("g", op(1, 1, GlobalOpKind::read));
  ASSERT_EQ(first.size(), 1u);
  EXPECT_FALSE(first[0].value.set);
  EXPECT_EQ(first[0].name, "g");
  EXPECT_EQ(owner.request("g", write(2, 1, 41)).size(), 1u);
  auto read = owner.request("g", op(1, 2, GlobalOpKind::read));
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(long_of(read[0].value), 41);
  EXPECT_EQ(read[0].request.who, 1u);
  EXPECT_EQ(read[0].request.effect, 2u);
  EXPECT_EQ(owner.operations(), 3u);
}

TEST(GlobalOwner, TheFirstTypeSticksAndAnotherIsRefusedWithoutChangingTheValue) {
  GlobalOwner owner;
  owner.request("g", write(1, 1, 7));
  GlobalRequest other{2, 1, GlobalOpKind::write, "d", {true, bytes_of(99)}};
  auto refused = owner.request("g", other);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].code, int(ppp2p::errc::type_mismatch));
  EXPECT_NE(refused[0].error.find("global 'g' holds a long, not a double"), std::string::npos)
      << refused[0].error;
  EXPECT_EQ(long_of(owner.request("g", op(1, 2, GlobalOpKind::read))[0].value), 7);
  auto acquire = owner.request("g", op(3, 1, GlobalOpKind::acquire, "d"));
  ASSERT_EQ(acquire.size(), 1u);
  EXPECT_FALSE(acquire[0].error.empty()) << "a refused acquire holds nothing";
  EXPECT_EQ(owner.request("g", op(1, 3, GlobalOpKind::read)).size(), 1u) << "not queued";
}

TEST(GlobalOwner, AnUpdateIsExclusiveAndWhatQueuedBehindItIsAppliedInOrderWhenItCommits) {
  GlobalOwner owner;
  owner.request("g", write(9, 1, 10));
  auto granted = owner.request("g", op(1, 1, GlobalOpKind::acquire));
  ASSERT_EQ(granted.size(), 1u);
  EXPECT_EQ(long_of(granted[0].value), 10);
  EXPECT_TRUE(owner.request("g", op(2, 1, GlobalOpKind::read)).empty());
  EXPECT_TRUE(owner.request("g", op(3, 1, GlobalOpKind::acquire)).empty());
  EXPECT_TRUE(owner.request("g", op(4, 1, GlobalOpKind::read)).empty());
  EXPECT_EQ(owner.request("h", op(2, 2, GlobalOpKind::read)).size(), 1u) << "another global";

  std::vector<GlobalOutcome> now;
  EXPECT_FALSE(owner.release("g", 2, 1, nullptr, now)) << "not the holder";
  EXPECT_FALSE(owner.release("g", 1, 2, nullptr, now)) << "another effect";
  Bytes eleven = bytes_of(11);
  ASSERT_TRUE(owner.release("g", 1, 1, &eleven, now));
  // VT 2's read, then VT 3's acquire; VT 4's read waits for VT 3's update.
  ASSERT_EQ(now.size(), 2u);
  EXPECT_EQ(now[0].request.who, 2u);
  EXPECT_EQ(long_of(now[0].value), 11);
  EXPECT_EQ(now[1].request.who, 3u);
  EXPECT_EQ(now[1].request.op, GlobalOpKind::acquire);
  now.clear();
  ASSERT_TRUE(owner.release("g", 3, 1, nullptr, now)) << "an abort";
  ASSERT_EQ(now.size(), 1u);
  EXPECT_EQ(now[0].request.who, 4u);
  EXPECT_EQ(long_of(now[0].value), 11) << "the abort kept the value";
}

TEST(GlobalOwner, AVtThatStopsGivesItsUpdateBackAndLosesWhatItQueued) {
  GlobalOwner owner;
  owner.request("a", op(1, 4, GlobalOpKind::acquire));
  owner.request("b", op(1, 5, GlobalOpKind::acquire));
  owner.request("a", op(2, 1, GlobalOpKind::acquire));
  owner.request("b", op(3, 1, GlobalOpKind::read));
  owner.request("c", op(3, 2, GlobalOpKind::acquire));
  EXPECT_TRUE(owner.request("c", op(1, 6, GlobalOpKind::read)).empty()) << "behind VT 3";
  GlobalOwner::Dropped dropped = owner.drop(1);
  EXPECT_EQ(dropped.undone, (std::vector<std::uint64_t>{4, 5})) << "in the order of the names";
  ASSERT_EQ(dropped.applied.size(), 2u);
  EXPECT_EQ(dropped.applied[0].name, "a");
  EXPECT_EQ(dropped.applied[0].request.who, 2u);
  EXPECT_EQ(dropped.applied[1].name, "b");
  EXPECT_EQ(dropped.applied[1].request.who, 3u);
  std::vector<GlobalOutcome> now;
  EXPECT_FALSE(owner.release("a", 1, 4, nullptr, now)) << "undone: a late commit is ignored";
  ASSERT_TRUE(owner.release("c", 3, 2, nullptr, now));
  EXPECT_TRUE(now.empty()) << "VT 1's queued read on c was dropped";
}

// Many VTs increment one global (acquire, commit value + 1), read it and write it, and stop at
// random (their update undone); a sequential model of the same decisions must agree with every
// answer: updates exclusive, each seeing the last committed value, queued operations applied
// in arrival order.
TEST(GlobalOwner, RandomUpdatesReadsWritesAndStopsAgreeWithASequentialModel) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    std::mt19937 random(seed);
    GlobalOwner owner;
    long model = 0;                  // the value as the model applies operations
    std::optional<ppp2p::VtId> held; // who holds the update in the model
    std::deque<GlobalRequest> queue; // the model's queue
    std::map<ppp2p::VtId, std::uint64_t> effects;
    std::map<ppp2p::VtId, std::uint64_t> holding; // VT -> effect of its granted acquire
    std::set<ppp2p::VtId> waiting;                // VTs with a queued operation
    std::map<ppp2p::VtId, long> seen;             // what a VT's granted acquire saw
    owner.request("g", write(0, 1, 0));

    auto model_apply = [&](const GlobalRequest& r, const GlobalOutcome& out) {
      ASSERT_EQ(out.request.who, r.who) << "seed " << seed;
      ASSERT_EQ(out.request.effect, r.effect) << "seed " << seed;
      if (r.op == GlobalOpKind::write) {
        model = long_of(r.value);
        return;
      }
      ASSERT_EQ(long_of(out.value), model) << "seed " << seed;
      if (r.op == GlobalOpKind::acquire) {
        held = r.who;
        holding[r.who] = r.effect;
        seen[r.who] = model;
      }
    };
    auto check_applied = [&](const std::vector<GlobalOutcome>& applied) {
      // The model drains its queue the same way.
      std::size_t i = 0;
      while (!held && !queue.empty()) {
        GlobalRequest r = queue.front();
        queue.pop_front();
        waiting.erase(r.who);
        ASSERT_LT(i, applied.size()) << "seed " << seed;
        model_apply(r, applied[i++]);
      }
      ASSERT_EQ(i, applied.size()) << "seed " << seed;
    };

    for (int step = 0; step < 1000; ++step) {
      ppp2p::VtId vt = 1 + random() % 6;
      int action = int(random() % 10);
      if (holding.count(vt)) {
        std::vector<GlobalOutcome> now;
        if (action < 7) { // commit value + 1
          Bytes next = bytes_of(seen[vt] + 1);
          ASSERT_TRUE(owner.release("g", vt, holding[vt], &next, now)) << "seed " << seed;
          model = seen[vt] + 1;
        } else if (action < 9) { // abort
          ASSERT_TRUE(owner.release("g", vt, holding[vt], nullptr, now)) << "seed " << seed;
        } else { // stop: the update is undone
          GlobalOwner::Dropped dropped = owner.drop(vt);
          ASSERT_EQ(dropped.undone, (std::vector<std::uint64_t>{holding[vt]})) << "seed " << seed;
          now = std::move(dropped.applied);
        }
        holding.erase(vt);
        held.reset();
        check_applied(now);
        continue;
      }
      if (waiting.count(vt)) {
        if (action == 0) { // stop while queued: its operation is dropped
          std::erase_if(queue, [&](const GlobalRequest& r) { return r.who == vt; });
          waiting.erase(vt);
          GlobalOwner::Dropped dropped = owner.drop(vt);
          ASSERT_TRUE(dropped.undone.empty()) << "seed " << seed;
          ASSERT_TRUE(dropped.applied.empty()) << "seed " << seed;
        }
        continue;
      }
      GlobalRequest r = action < 5   ? op(vt, ++effects[vt], GlobalOpKind::acquire)
                        : action < 8 ? op(vt, ++effects[vt], GlobalOpKind::read)
                                     : write(vt, ++effects[vt], long(random() % 1000));
      std::vector<GlobalOutcome> applied = owner.request("g", r);
      if (held || !queue.empty()) {
        ASSERT_TRUE(applied.empty()) << "seed " << seed << ": applied past an update";
        queue.push_back(r);
        waiting.insert(vt);
      } else {
        ASSERT_EQ(applied.size(), 1u) << "seed " << seed;
        model_apply(r, applied[0]);
      }
    }
    EXPECT_GT(owner.operations(), 250u) << "seed " << seed; // not stuck behind one update
  }
}

} // namespace
