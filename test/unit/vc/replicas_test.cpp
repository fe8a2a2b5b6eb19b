// Replicas (agent/vc/replicas.hpp): which workers keep a VT's newest checkpoint.
#include <gtest/gtest.h>

#include <algorithm>

#include "replicas.hpp"

using namespace ppp2p::agent::vc;

namespace {
const std::vector<std::string> kWorkers = {"a", "b", "c", "d"};
}

TEST(Replicas, ACheckpointGoesToCountWorkersOtherThanItsHostInTurn) {
  Replicas r(2);
  auto first = r.checkpointed(1, 5, "a", kWorkers);
  EXPECT_EQ(first.send, (std::vector<std::string>{"b", "c"}));
  EXPECT_TRUE(first.drop.empty());
  auto second = r.checkpointed(2, 3, "a", kWorkers);
  EXPECT_EQ(second.send, (std::vector<std::string>{"c", "d"})) << "the next VT's start rotates";
  EXPECT_TRUE(Replicas(0).checkpointed(1, 1, "a", kWorkers).send.empty()) << "replicas = 0";
  EXPECT_EQ(Replicas(9).checkpointed(1, 1, "a", kWorkers).send.size(), 3u) << "all the others";
}

TEST(Replicas, OnlyAcknowledgedHoldersOfTheNewestCheckpointCount) {
  Replicas r(2);
  r.checkpointed(1, 5, "a", kWorkers); // b, c
  EXPECT_TRUE(r.holders(1, 5).empty()) << "nothing acknowledged yet";
  r.kept("b", 1, 5);
  r.kept("d", 1, 5); // not asked
  r.kept("c", 1, 4); // an older effect
  EXPECT_EQ(r.holders(1, 5), std::vector<std::string>{"b"});
  EXPECT_TRUE(r.holders(1, 4).empty());
  auto newer = r.checkpointed(1, 6, "d", kWorkers); // a newer one, on another host
  EXPECT_TRUE(r.holders(1, 5).empty()) << "the older checkpoint no longer counts";
  for (const std::string& w : newer.drop)
    EXPECT_EQ(std::count(newer.send.begin(), newer.send.end(), w), 0) << w;
}

TEST(Replicas, AHolderThatResumedItOrDiedHoldsNothing) {
  Replicas r(2);
  r.checkpointed(1, 5, "a", kWorkers); // b, c
  r.kept("b", 1, 5);
  r.kept("c", 1, 5);
  r.consumed("b", 1);
  EXPECT_EQ(r.holders(1, 5), std::vector<std::string>{"c"});
  r.forget_worker("c");
  EXPECT_TRUE(r.holders(1, 5).empty());
  r.checkpointed(2, 1, "a", kWorkers);
  auto holders = r.forget_vt(2);
  EXPECT_EQ(holders.size(), 2u) << "to be told to drop it";
  EXPECT_TRUE(r.forget_vt(2).empty());
}
