// The delegator's choice of worker (delegator.hpp): earliest expected completion.
#include <gtest/gtest.h>

#include "delegator.hpp"

using namespace ppp2p::agent::vc;

TEST(Delegator, PrefersAFreeSlotOnTheFastestWorker) {
  std::vector<WorkerLoad> w{{100, 1, 0}, {300, 1, 0}, {200, 1, 0}};
  EXPECT_EQ(choose_worker(w), 1u);
}

TEST(Delegator, AQueueBehindAFastWorkerCanLoseToAnIdleSlowOne) {
  // Fast: 3 waves ahead at speed 300 -> 4/300; slow and idle: 1/100. 4/300 > 1/100.
  std::vector<WorkerLoad> w{{300, 1, 3}, {100, 1, 0}};
  EXPECT_EQ(choose_worker(w), 1u);
  // 2 waves ahead: 3/300 = 1/100, a tie: the less filled wins.
  w[0].outstanding = 2;
  EXPECT_EQ(choose_worker(w), 1u);
  w[0].outstanding = 1;
  EXPECT_EQ(choose_worker(w), 0u);
}

TEST(Delegator, SlotsCountAsParallelWaves) {
  // 4 slots, 3 busy: the next one still starts at once.
  std::vector<WorkerLoad> w{{100, 4, 3}, {100, 1, 0}};
  EXPECT_EQ(choose_worker(w), 1u) << "equal times: the less filled";
  w[1].outstanding = 1;
  EXPECT_EQ(choose_worker(w), 0u);
}

TEST(Delegator, EqualWorkersTakeTurns) {
  std::vector<WorkerLoad> w{{100, 1, 0}, {100, 1, 0}, {100, 1, 0}};
  std::vector<std::size_t> picks;
  for (int i = 0; i < 6; ++i) {
    auto k = choose_worker(w);
    ASSERT_TRUE(k);
    picks.push_back(*k);
    ++w[*k].outstanding;
  }
  EXPECT_EQ(picks, (std::vector<std::size_t>{0, 1, 2, 0, 1, 2}));
}

TEST(Delegator, FullWindowsGetNothing) {
  std::vector<WorkerLoad> w{{100, 2, window_of(2)}, {50, 1, window_of(1)}};
  EXPECT_FALSE(choose_worker(w));
  EXPECT_FALSE(choose_worker({}));
  w[1].outstanding = 0;
  EXPECT_EQ(choose_worker(w), 1u);
}

TEST(Delegator, ZeroSpeedOrSlotsDoNotDivideByZero) {
  std::vector<WorkerLoad> w{{0, 0, 0}, {1, 1, 0}};
  EXPECT_EQ(choose_worker(w), 1u);
}

TEST(Delegator, AResumedVirtualThreadGoesOnlyToAFreeSlot) {
  // A fast worker whose slots are taken (its VTs may wait for the resumed one's messages) and
  // a slow one with a free slot: a fresh VT may queue at the fast one, a resumed one may not.
  std::vector<WorkerLoad> w{{400, 2, 2}, {100, 1, 0}};
  EXPECT_EQ(choose_worker(w), 0u);
  EXPECT_EQ(choose_worker(w, true), 1u);
  w[1].outstanding = 1;
  EXPECT_FALSE(choose_worker(w, true)) << "no free slot anywhere: it waits in the deployer";
  EXPECT_EQ(choose_worker(w), 0u);
}

TEST(Delegator, AnIdleWorkerTakesTheEarliestVirtualThreadOfTheSlowestMuchSlowerOne) {
  // 0: idle and fast; 1: half as fast, two VTs; 2: a quarter as fast, two VTs; 3: as fast.
  std::vector<WorkerLoad> w{{400, 1, 0}, {200, 1, 2}, {100, 1, 2}, {400, 1, 1}};
  std::vector<PlacedVt> placed{{1, 1}, {2, 5}, {2, 3}, {1, 2}, {3, 4}};
  EXPECT_EQ(choose_move(w, 0, placed), 2u) << "worker 2's earliest";
  placed.erase(placed.begin() + 1, placed.begin() + 3);
  EXPECT_EQ(choose_move(w, 0, placed), 0u) << "then worker 1's, exactly half as fast";
  w[1].speed = 201;
  EXPECT_FALSE(choose_move(w, 0, placed)) << "more than half as fast: a move rarely pays";
  EXPECT_FALSE(choose_move(w, 3, placed)) << "a worker without a free slot takes nothing";
  w[1].speed = 100;
  w[0].outstanding = 1;
  EXPECT_FALSE(choose_move(w, 0, placed)) << "nor does a busy one";
}
