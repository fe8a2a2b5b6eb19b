// SWIM in the deterministic simulation: convergence, failure detection, refutation, leaving,
// partitions, scale. Every test is seeded; a failure replays exactly with the same seed.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>

#include "ppp2p/net/membership/codec.hpp"
#include "ppp2p/net/membership/sim.hpp"

using namespace ppp2p::net;
using namespace ppp2p::net::membership;

namespace {

Config lan() {
  return Config::lan();
}

// PPP2P_SIM_SEED shifts every seed, to run the same scenarios on other random draws.
std::uint64_t seed(std::uint64_t base) {
  const char* shift = std::getenv("PPP2P_SIM_SEED");
  std::uint64_t s = base + (shift ? std::strtoull(shift, nullptr, 10) : 0);
  ::testing::Test::RecordProperty("seed", std::to_string(s));
  return s;
}

// Records, per member, when each observer first saw it dead or left, and every death of a
// member that was in fact running (a false positive).
struct Recorder {
  std::map<std::size_t, std::map<std::size_t, Millis>> first_dead; // subject -> observer -> t
  std::vector<std::string> false_positives;

  void attach(SimNetwork& net) {
    net.set_observer([this, &net](std::size_t observer, Event e, const Member& m, State) {
      if (e != Event::state_changed || (m.state != State::dead && m.state != State::left))
        return;
      for (std::size_t s = 0; s < net.size(); ++s) {
        if (net.id(s) != m.id)
          continue;
        first_dead[s].emplace(observer, net.now());
        if (net.running(s) && m.state == State::dead && !net.swim(s).has_left())
          false_positives.push_back("member " + std::to_string(observer) + " declared " +
                                    std::to_string(s) + " dead at " +
                                    std::to_string(net.now().count()) + " ms");
      }
    });
  }
};

bool all_see(SimNetwork& net, std::size_t subject, State s) {
  for (std::size_t o = 0; o < net.size(); ++o)
    if (o != subject && net.running(o) && net.view(o, subject) != s)
      return false;
  return true;
}

} // namespace

TEST(SwimSim, ThreeMembersConverge) {
  SimNetwork net({.seed = seed(1)});
  net.add_cluster(3, lan());
  EXPECT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_EQ(net.swim(i).members().size(), 3u);
}

TEST(SwimSim, CrashIsDetectedByEverySurvivorWithoutFalsePositives) {
  SimNetwork net({.seed = seed(2)});
  Recorder rec;
  rec.attach(net);
  net.add_cluster(8, lan());
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  net.run_for(Millis{3000});
  Millis killed_at = net.now();
  net.kill(5);
  ASSERT_TRUE(net.run_until([&] { return all_see(net, 5, State::dead); }, Millis{10000}));
  Millis worst{0};
  for (auto& [observer, t] : rec.first_dead[5])
    worst = std::max(worst, t - killed_at);
  EXPECT_LE(worst, Millis{5000});
  net.run_for(Millis{20000});
  EXPECT_TRUE(rec.false_positives.empty()) << rec.false_positives.front();
  EXPECT_TRUE(net.converged());
}

// A process that dies on a host that stays up leaves a port that refuses connections: a
// definite answer, so the member is dead one final probe after the first refusal, long before
// the silent path (probe, indirect probes, suspicion timeout) could declare it.
TEST(SwimSim, AKilledProcessIsDeclaredDeadSoonerThanASilentHost) {
  // The same cluster and seed twice: member 5's host goes silent, or only its process dies.
  auto detection = [](bool refuses, std::vector<std::string>& false_positives) {
    SimNetwork net({.seed = seed(41)});
    Recorder rec;
    rec.attach(net);
    net.add_cluster(8, lan());
    EXPECT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
    net.run_for(Millis{3000});
    Millis killed_at = net.now();
    if (refuses)
      net.kill_process(5);
    else
      net.kill(5);
    EXPECT_TRUE(net.run_until([&] { return all_see(net, 5, State::dead); }, Millis{10000}));
    Millis worst{0};
    for (auto& [observer, t] : rec.first_dead[5])
      worst = std::max(worst, t - killed_at);
    net.run_for(Millis{20000});
    EXPECT_TRUE(net.converged());
    false_positives.insert(false_positives.end(), rec.false_positives.begin(),
                           rec.false_positives.end());
    return worst;
  };
  std::vector<std::string> false_positives;
  Millis silent = detection(false, false_positives);
  Millis refused = detection(true, false_positives);
  // The silent path needs a failed probe, then the suspicion timeout (at its shortest, every
  // confirmation in); a refusal needs one final probe after the first contact.
  EXPECT_GE(silent, lan().probe_interval + suspicion_timeout(lan(), 8, 100));
  EXPECT_LT(refused, silent) << "refusals did not shorten detection";
  EXPECT_TRUE(false_positives.empty()) << false_positives.front();
}

// A refusal is strong evidence, not proof: a member that is in fact alive answers the final
// probe and stays (the transport may have been wrong, or the process restarted in between).
TEST(SwimSim, ARefusalHintForALiveMemberDoesNotKillIt) {
  SimNetwork net({.seed = seed(42)});
  Recorder rec;
  rec.attach(net);
  net.add_cluster(5, lan());
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  for (std::size_t i = 0; i < 5; ++i) {
    net.swim(0).hint_refused(net.address(3));
    net.swim(1).hint_refused(net.address(3));
    net.run_for(Millis{250});
  }
  net.run_for(Millis{10000});
  EXPECT_TRUE(rec.false_positives.empty()) << rec.false_positives.front();
  EXPECT_TRUE(net.converged());
}

// A member that refuses only one other (a firewall rule on its host) is alive: the final probe
// reaches it through the others (indirect checks), so nobody declares it dead.
TEST(SwimSim, AMemberThatRefusesOnlyOneOtherIsNotDeclaredDead) {
  SimNetwork net({.seed = seed(44)});
  Recorder rec;
  rec.attach(net);
  net.add_cluster(5, lan());
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  net.refuse_between(0, 3);
  net.run_for(Millis{20000});
  EXPECT_TRUE(rec.false_positives.empty()) << rec.false_positives.front();
  net.unrefuse();
  EXPECT_TRUE(net.run_until([&] { return net.converged(); }, Millis{10000}));
}

TEST(SwimSim, AProcessRestartedRightAfterItsDeathComesBackAlive) {
  SimNetwork net({.seed = seed(43)});
  net.add_cluster(5, lan());
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  net.kill_process(2);
  net.run_for(Millis{150});
  net.restart(2, {0});
  EXPECT_TRUE(net.run_until([&] { return net.converged(); }, Millis{10000}));
}

TEST(SwimSim, DeathsAreRecordedWithTheDeadMembersLatestIncarnation) {
  SimNetwork net({.seed = seed(3)});
  net.add_cluster(4, lan());
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  std::uint64_t inc = net.swim(2).self().incarnation;
  net.kill(2);
  ASSERT_TRUE(net.run_until([&] { return all_see(net, 2, State::dead); }, Millis{10000}));
  EXPECT_EQ(net.swim(0).find(net.id(2))->incarnation, inc);
}

TEST(SwimSim, GracefulLeaveIsLeftNotDead) {
  SimNetwork net({.seed = seed(4)});
  Recorder rec;
  rec.attach(net);
  net.add_cluster(8, lan());
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  net.leave(3);
  // Leaving is announced directly: everyone knows within a few message latencies.
  ASSERT_TRUE(net.run_until([&] { return all_see(net, 3, State::left); }, Millis{1000}));
  net.run_for(Millis{20000});
  EXPECT_TRUE(all_see(net, 3, State::left)); // and it stays "left", never "dead"
  EXPECT_TRUE(rec.false_positives.empty());
}

TEST(SwimSim, ShortOutageIsRefutedNotDeclaredDead) {
  SimNetwork net({.seed = seed(5)});
  Recorder rec;
  rec.attach(net);
  net.add_cluster(8, lan());
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  std::uint64_t before = net.swim(4).self().incarnation;
  net.partition({{4}}); // 4 alone for a moment: shorter than any suspicion timeout
  ASSERT_TRUE(net.run_until(
      [&] {
        for (std::size_t o = 0; o < 8; ++o)
          if (o != 4 && net.view(o, 4) == State::suspect)
            return true;
        return false;
      },
      Millis{5000}));
  net.heal();
  ASSERT_TRUE(net.run_until([&] { return all_see(net, 4, State::alive); }, Millis{3000}));
  EXPECT_GT(net.swim(4).self().incarnation, before);
  EXPECT_GE(net.swim(4).stats().refutations, 1u);
  EXPECT_TRUE(rec.false_positives.empty());
}

TEST(SwimSim, PartitionIsDetectedAndHealsAfterwards) {
  SimNetwork net({.seed = seed(6)});
  net.add_cluster(20, lan());
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{10000}));
  std::vector<std::size_t> a, b;
  for (std::size_t i = 0; i < 20; ++i)
    (i < 10 ? a : b).push_back(i);
  net.partition({a, b});
  ASSERT_TRUE(net.run_until(
      [&] {
        for (std::size_t x : a)
          for (std::size_t y : b)
            if (net.view(x, y) != State::dead || net.view(y, x) != State::dead)
              return false;
        return true;
      },
      Millis{30000}));
  net.heal();
  // The reconnect round (a full sync with a random dead member) brings the halves together.
  EXPECT_TRUE(net.run_until([&] { return net.converged(); }, Millis{30000}));
}

TEST(SwimSim, HundredsOfMembersConvergeUnderLossAndDelay) {
  SimNetwork net(
      {.seed = seed(7), .latency_min = Millis{2}, .latency_max = Millis{40}, .loss = 0.05});
  Recorder rec;
  rec.attach(net);
  net.add_cluster(300, lan());
  ASSERT_TRUE(net.run_until([&] { return net.all_known_live(); }, Millis{30000}, Millis{100}));
  net.kill(123);
  net.kill(250);
  EXPECT_TRUE(net.run_until(
      [&] { return all_see(net, 123, State::dead) && all_see(net, 250, State::dead); },
      Millis{20000}, Millis{100}));
  EXPECT_TRUE(rec.false_positives.empty()) << rec.false_positives.front();
}

TEST(SwimSim, NoFalsePositivesUnderHeavyLoss) {
  SimNetwork net(
      {.seed = seed(8), .latency_min = Millis{1}, .latency_max = Millis{20}, .loss = 0.15});
  Recorder rec;
  rec.attach(net);
  net.add_cluster(40, lan());
  ASSERT_TRUE(net.run_until([&] { return net.all_known_live(); }, Millis{20000}, Millis{50}));
  net.run_for(Millis{60000});
  EXPECT_TRUE(rec.false_positives.empty()) << rec.false_positives.front();
}

TEST(SwimSim, MetadataUpdatesReachEveryone) {
  SimNetwork net({.seed = seed(9)});
  net.add_cluster(10, lan());
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  Meta busy{8, 8, 1, 250.0f, 0.9f};
  net.swim(6).update_meta(busy);
  EXPECT_TRUE(net.run_until(
      [&] {
        for (std::size_t o = 0; o < 10; ++o)
          if (!(net.swim(o).find(net.id(6))->meta == busy))
            return false;
        return true;
      },
      Millis{3000}));
}

TEST(SwimSim, AnyMemberIsAnEntryPointAndTheFirstMayDie) {
  SimNetwork net({.seed = seed(10)});
  net.add_cluster(3, lan());
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  net.kill(0); // the one everybody joined through
  std::size_t late = net.add(lan());
  net.start(late, {2});
  EXPECT_TRUE(net.run_until([&] { return net.converged(); }, Millis{15000}));
  EXPECT_EQ(net.view(late, 1), State::alive);
}

TEST(SwimSim, JoiningBeforeTheSeedStartsRetriesUntilItDoes) {
  SimNetwork net({.seed = seed(11)});
  std::size_t a = net.add(lan()), b = net.add(lan());
  net.start(b, {a});
  net.run_for(Millis{3000});
  net.start(a, {});
  EXPECT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
}

TEST(SwimSim, RestartedMemberComesBackAlive) {
  SimNetwork net({.seed = seed(12)});
  net.add_cluster(5, lan());
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  net.kill(1);
  ASSERT_TRUE(net.run_until([&] { return all_see(net, 1, State::dead); }, Millis{10000}));
  net.restart(1, {3});
  EXPECT_TRUE(net.run_until([&] { return net.converged(); }, Millis{10000}));
}

TEST(SwimSim, DeadMembersAreForgottenAfterTheRetention) {
  Config cfg = lan();
  cfg.dead_retention = Millis{10000};
  SimNetwork net({.seed = seed(13)});
  net.add_cluster(4, cfg);
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  net.kill(3);
  ASSERT_TRUE(net.run_until([&] { return all_see(net, 3, State::dead); }, Millis{10000}));
  EXPECT_TRUE(net.run_until([&] { return !net.view(0, 3) && !net.view(1, 3) && !net.view(2, 3); },
                            Millis{20000}));
}

TEST(SwimSim, TheMemberTableIsBoundedAndDeadMembersMakeRoom) {
  Config cfg = lan();
  cfg.max_members = 4;
  SimNetwork net({.seed = seed(21)});
  net.add_cluster(4, cfg);
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  net.kill(3);
  ASSERT_TRUE(net.run_until([&] { return all_see(net, 3, State::dead); }, Millis{10000}));
  // A fifth member joins: the table is full, so each survivor forgets the dead member for it.
  std::size_t late = net.add(cfg);
  net.start(late, {0});
  ASSERT_TRUE(net.run_until(
      [&] {
        for (std::size_t o : {0, 1, 2})
          if (net.view(o, late) != State::alive || net.view(o, 3))
            return false;
        return net.view(late, 0) == State::alive;
      },
      Millis{10000}));
  // A sixth while all four kept are alive: refused and counted, nobody holds more than four.
  std::size_t extra = net.add(cfg);
  net.start(extra, {0});
  net.run_for(Millis{5000});
  std::uint64_t refused = 0;
  for (std::size_t o : {std::size_t{0}, std::size_t{1}, std::size_t{2}, late}) {
    EXPECT_LE(net.swim(o).members().size(), 4u) << "member " << o;
    refused += net.swim(o).stats().members_refused;
  }
  EXPECT_GT(refused, 0u);
  EXPECT_EQ(net.view(0, extra), std::nullopt);
}

TEST(SwimSim, MessagesWhoseSenderIsNotTheLinksPeerAreDropped) {
  SimNetwork net({.seed = seed(14)});
  net.add_cluster(2, lan());
  ASSERT_TRUE(net.run_until([&] { return net.converged(); }, Millis{5000}));
  Message forged;
  forged.sender = net.id(1);
  forged.sender_address = net.address(1);
  Update lie{net.id(1), net.address(1), 1u << 30, State::left, {}, net.id(1)};
  forged.gossip.push_back(lie);
  MemberId someone_else;
  someone_else.bytes.fill(0xee);
  auto before = net.swim(0).stats().messages_invalid;
  net.swim(0).on_message(encode(forged), &someone_else);
  EXPECT_EQ(net.swim(0).stats().messages_invalid, before + 1);
  EXPECT_EQ(net.view(0, 1), State::alive);
}

TEST(SwimSim, SameSeedReplaysTheSameRun) {
  auto run = [](std::uint64_t seed) {
    SimNetwork net(
        {.seed = seed, .latency_min = Millis{1}, .latency_max = Millis{30}, .loss = 0.1});
    net.add_cluster(30, Config::lan());
    net.run_for(Millis{5000});
    net.kill(7);
    net.run_for(Millis{10000});
    return std::pair{net.fingerprint(), net.messages_delivered()};
  };
  EXPECT_EQ(run(42), run(42));
  EXPECT_NE(run(42).first, run(43).first);
}
