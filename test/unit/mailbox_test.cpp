// Mailbox (runtime/vc/messages/mailbox.hpp): one VT's effects as the owner of its messages
// sees them. Runs of receives applied all or nothing, misses, the journal a resumed run is
// shown, and a simulation of a receiver that checkpoints and crashes at random: every resumed
// run is shown exactly what the first run took, and its re-executed effects apply nothing.
#include "vc/messages/mailbox.hpp"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <variant>
#include <vector>

namespace {

using ppp2p::detail::Bytes;
using ppp2p::detail::Mailbox;
using Taken = Mailbox::Taken;

Mailbox::Message message(ppp2p::VtId from, std::uint64_t number, std::size_t size = 4) {
  return {from, number, "i", Bytes(size, std::byte(number))};
}

/// What a resumed run is shown: a run of misses (first, count) or a message taken (at, taken).
struct Shown {
  bool miss;
  std::uint64_t first;
  std::uint64_t count_or_number;
  ppp2p::VtId from;
  bool operator==(const Shown&) const = default;
};

std::vector<Shown> shown_after(const Mailbox& box, std::uint64_t checkpoint) {
  std::vector<Shown> out;
  box.replay_after(
      checkpoint,
      [&](std::uint64_t first, std::uint64_t count) {
        out.push_back({true, first, count, 0});
      },
      [&](std::uint64_t at, const Mailbox::Message& m) {
        out.push_back({false, at, m.number, m.from});
      });
  return out;
}

TEST(Mailbox, ARunOfReceivesIsAppliedAllOrNothing) {
  Mailbox box;
  box.put(message(7, 1));
  box.put(message(8, 1, 10));
  box.put(message(7, 2));
  std::vector<Taken> bad{{7, 1}, {9, 1}};
  Mailbox::Consumed refused = box.consume_run(1, bad, true);
  ASSERT_TRUE(refused.invalid);
  EXPECT_EQ(*refused.invalid, (Taken{9, 1}));
  EXPECT_EQ(box.applied(), 0u);
  EXPECT_EQ(box.waiting().size(), 3u) << "nothing taken";
  std::vector<Taken> twice{{7, 1}, {7, 1}};
  EXPECT_TRUE(box.consume_run(1, twice, true).invalid) << "one message named twice";

  std::vector<Taken> run{{8, 1}, {7, 1}};
  Mailbox::Consumed consumed = box.consume_run(1, run, true);
  EXPECT_FALSE(consumed.invalid);
  EXPECT_EQ(consumed.bytes, 14u);
  EXPECT_EQ(consumed.replayed, 0u);
  EXPECT_EQ(box.applied(), 2u);
  ASSERT_EQ(box.waiting().size(), 1u);
  EXPECT_EQ(box.waiting().front().number, 2u);

  // Re-executed (1, 2) and a new one (3): the first two are replays, not errors.
  std::vector<Taken> again{{8, 1}, {7, 1}, {7, 2}};
  consumed = box.consume_run(1, again, true);
  EXPECT_FALSE(consumed.invalid);
  EXPECT_EQ(consumed.replayed, 2u);
  EXPECT_EQ(consumed.bytes, 4u);
  EXPECT_EQ(box.applied(), 3u);
  EXPECT_TRUE(box.waiting().empty());
}

TEST(Mailbox, MissesAreJournaledReplayedOrAGap) {
  Mailbox box;
  EXPECT_EQ(box.miss(1, 3), Mailbox::Missed::applied);
  EXPECT_EQ(box.applied(), 3u);
  EXPECT_EQ(box.miss(2, 2), Mailbox::Missed::replayed);
  EXPECT_EQ(box.miss(5, 1), Mailbox::Missed::gap) << "effect 4 never came";
  EXPECT_EQ(box.applied(), 3u);
  EXPECT_EQ(box.miss(3, 2), Mailbox::Missed::applied) << "overlapping: only 4 is new";
  EXPECT_EQ(box.applied(), 4u);
  EXPECT_EQ(shown_after(box, 0), (std::vector<Shown>{{true, 1, 3, 0}, {true, 4, 1, 0}}));
}

TEST(Mailbox, AResumedRunIsShownWhatFollowsItsCheckpointAndACheckpointTrimsTheJournal) {
  Mailbox box;
  box.put(message(5, 1));
  box.put(message(5, 2));
  EXPECT_EQ(box.miss(1, 4), Mailbox::Missed::applied); // 1..4
  std::vector<Taken> take{{5, 2}};
  box.consume_run(5, take, true);
  ppp2p::detail::Mailbox::Entry global;
  global.name = "g";
  box.journal_global(6, global);
  EXPECT_EQ(box.applied(), 6u);
  ASSERT_NE(box.journaled(6), nullptr);
  EXPECT_EQ(box.journaled(6)->kind, Mailbox::Entry::Kind::global);
  EXPECT_EQ(box.journaled(7), nullptr);

  // Resumed at 2: the rest of the run of misses, then the message; globals are answered from
  // the journal when asked, not shown.
  EXPECT_EQ(shown_after(box, 2), (std::vector<Shown>{{true, 3, 2, 0}, {false, 5, 2, 5}}));
  box.checkpointed(2);
  EXPECT_EQ(shown_after(box, 2), (std::vector<Shown>{{true, 3, 2, 0}, {false, 5, 2, 5}}))
      << "the run of misses straddling the checkpoint is kept";
  box.checkpointed(5);
  EXPECT_TRUE(shown_after(box, 5).empty());
  EXPECT_NE(box.journaled(6), nullptr);

  box.undo_from(6);
  EXPECT_EQ(box.applied(), 5u);
  EXPECT_EQ(box.journaled(6), nullptr);
  auto [messages, bytes] = box.clear();
  EXPECT_EQ(messages, 1u);
  EXPECT_EQ(bytes, 4u);
  EXPECT_TRUE(box.waiting().empty());
}

// A receiver takes messages (any sender, in any order, as receive(from) does) or finds none,
// in runs; checkpoints (at any effect, inside a run too); and crashes, resuming from its
// newest checkpoint. Every resumed run
// must be shown exactly what the first run saw after that checkpoint, and re-sending those
// effects must apply nothing; no message is lost or taken twice.
TEST(Mailbox, AReceiverThatCrashesAtRandomIsShownWhatItTookAndTakesNothingTwice) {
  for (unsigned seed = 1; seed <= 30; ++seed) {
    std::mt19937 random(seed);
    Mailbox box;
    std::map<std::uint64_t, std::optional<Taken>> reference; // effect -> taken (or a miss)
    std::map<ppp2p::VtId, std::uint64_t> sent;
    std::uint64_t effect = 0, checkpoint = 0, put = 0, taken_total = 0, resumes = 0;
    for (int step = 0; step < 600; ++step) {
      int action = int(random() % 20);
      if (action < 8) {
        ppp2p::VtId from = 1 + random() % 3;
        box.put(message(from, ++sent[from]));
        ++put;
      } else if (action < 16) {
        // A run of receives: each takes a random waiting message or misses.
        std::vector<Taken> run;
        std::uint64_t first = effect + 1;
        std::size_t length = 1 + random() % 4;
        std::vector<Mailbox::Message> waiting(box.waiting().begin(), box.waiting().end());
        for (std::size_t i = 0; i < length && !waiting.empty(); ++i) {
          std::size_t pick = random() % waiting.size();
          run.emplace_back(waiting[pick].from, waiting[pick].number);
          waiting.erase(waiting.begin() + std::ptrdiff_t(pick));
        }
        if (run.empty()) {
          std::uint64_t count = 1 + random() % 3;
          ASSERT_EQ(box.miss(first, count), Mailbox::Missed::applied) << "seed " << seed;
          for (std::uint64_t e = first; e < first + count; ++e)
            reference[e] = std::nullopt;
          effect += count;
        } else {
          Mailbox::Consumed consumed = box.consume_run(first, run, true);
          ASSERT_FALSE(consumed.invalid) << "seed " << seed;
          ASSERT_EQ(consumed.replayed, 0u) << "seed " << seed;
          for (std::size_t i = 0; i < run.size(); ++i)
            reference[first + i] = run[i];
          effect += run.size();
          taken_total += run.size();
        }
        ASSERT_EQ(box.applied(), effect) << "seed " << seed;
      } else if (action < 18) {
        // A checkpoint taken at any effect since the last one (inside a run of misses the VT
        // reported later, too).
        checkpoint += random() % (effect - checkpoint + 1);
        box.checkpointed(checkpoint);
      } else {
        // Crash: the run resumes at the checkpoint and is shown what it took after it.
        ++resumes;
        std::vector<Shown> shown = shown_after(box, checkpoint);
        std::uint64_t e = checkpoint + 1;
        for (const Shown& s : shown) {
          ASSERT_EQ(s.first, e) << "seed " << seed << ": a gap in what a resumed run is shown";
          if (s.miss) {
            for (std::uint64_t k = 0; k < s.count_or_number; ++k)
              ASSERT_FALSE(reference[e + k]) << "seed " << seed;
            e += s.count_or_number;
          } else {
            ASSERT_TRUE(reference[e]) << "seed " << seed;
            ASSERT_EQ(*reference[e], (Taken{s.from, s.count_or_number})) << "seed " << seed;
            ++e;
          }
        }
        ASSERT_EQ(e, effect + 1) << "seed " << seed << ": not everything after the checkpoint";
        // It re-executes those effects: nothing is applied again.
        for (std::uint64_t again = checkpoint + 1; again <= effect; ++again) {
          if (reference[again]) {
            std::vector<Taken> one{*reference[again]};
            Mailbox::Consumed consumed = box.consume_run(again, one, true);
            ASSERT_FALSE(consumed.invalid) << "seed " << seed;
            ASSERT_EQ(consumed.replayed, 1u) << "seed " << seed;
          } else {
            ASSERT_EQ(box.miss(again, 1), Mailbox::Missed::replayed) << "seed " << seed;
          }
        }
        ASSERT_EQ(box.applied(), effect) << "seed " << seed;
      }
    }
    EXPECT_EQ(box.waiting().size(), put - taken_total) << "seed " << seed << ": lost or doubled";
    EXPECT_GT(resumes, 10u) << "seed " << seed;
    EXPECT_GT(taken_total, 50u) << "seed " << seed;
  }
}

} // namespace
