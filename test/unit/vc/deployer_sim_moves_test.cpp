// Deployer and worker logic in simulation (vc_sim.hpp), for VTs that move: migration to a
// chosen worker, load balancing, replicas of checkpoints, partitions. Seeded like
// deployer_sim_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "deployer_sim_util.hpp"

using namespace ppp2p::agent::vc;
using namespace ppp2p::agent::vc::sim;

TEST(DeployerSim, AMigrationToAChosenWorkerWaitsThereForASlotAndAnUnknownOneIsIgnored) {
  Cluster c(seed(29));
  c.add({.slots = 0});
  for (int i = 0; i < 3; ++i)
    c.add({.slots = 1});
  Client client;
  ASSERT_TRUE(started(c, client, request(3, 1)));
  VcId id = *client.id;
  std::vector<std::string> names = client.worker_names;
  std::sort(names.begin(), names.end());
  std::vector<std::string> addresses = {c.address(1), c.address(2), c.address(3)};
  std::sort(addresses.begin(), addresses.end());
  EXPECT_EQ(names, addresses) << "the client hears the enrolled workers' names";
  for (VtNumber vt = 0; vt < 3; ++vt) // one busy VT per worker
    c.vc(0).spawn(id, spawn(vt, {.work_ms = 200, .value = vt}));
  c.world.run_for(Millis{20});
  for (VtNumber vt = 20; vt < 23; ++vt) { // three to one busy worker: placement would spread them
    SpawnRequest moved = spawn(vt, {.work_ms = 10, .value = vt});
    moved.to = c.address(2);
    moved.avoid = c.address(1);
    c.vc(0).spawn(id, std::move(moved));
  }
  SpawnRequest unknown = spawn(11, {.work_ms = 10, .value = 11});
  unknown.to = "10.9.9.9:1";
  c.vc(0).spawn(id, std::move(unknown));
  ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, 7); }, Millis{10000}));
  for (VtNumber vt = 20; vt < 23; ++vt) {
    EXPECT_EQ(client.finals[vt].peer, c.address(2)) << "VT " << vt << " went where it was sent";
    EXPECT_EQ(result_of(client.finals[vt]), 2u * vt);
  }
  EXPECT_EQ(result_of(client.finals[11]), 22u) << "an unknown target is placed as usual";
}

TEST(DeployerSim, WithBalanceLoadAnIdleFastWorkerIsOfferedTheSlowWorkersVirtualThreadOnce) {
  for (bool balance : {false, true}) {
    Cluster c(seed(31));
    c.add({.slots = 0});
    c.add({.slots = 1, .speed = 400});
    c.add({.slots = 1, .speed = 100});
    Client client;
    VcRequest r = request(2, 1);
    r.balance_load = balance;
    ASSERT_TRUE(started(c, client, r));
    // The fast worker takes VTs 0-2 and 4 (its expected completion stays ahead or ties), the
    // slow one VT 3, four times longer: the fast one is idle long before it ends.
    for (VtNumber vt = 0; vt < 5; ++vt)
      c.vc(0).spawn(*client.id, spawn(vt, {.work_ms = vt == 3 ? 400u : 100u, .value = vt}));
    ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, 5); }, Millis{10000}));
    std::vector<std::pair<VtNumber, std::string>> hints;
    for (const VtEvent& e : client.events)
      if (e.kind == Kind::rebalance)
        hints.emplace_back(e.vt, e.peer);
    EXPECT_EQ(client.finals[3].peer, c.address(2)) << "the long one ran on the slow worker";
    if (balance)
      EXPECT_EQ(hints, (std::vector<std::pair<VtNumber, std::string>>{{3, c.address(1)}}));
    else
      EXPECT_TRUE(hints.empty()) << "balance_load is off";
  }
}

namespace {
// Runs VT 0 (until cancelled) with `replicas`, captures it, kills its worker, and resumes it
// as the client would, from the client's copy: a snapshot that differs from the one the
// executor took (u32(1000)), so that the executor's Run shows where its snapshot came from.
// `before` runs after the capture, before the host dies. Returns what the resumed VT got and
// on which node (0 if it did not run).
std::pair<std::size_t, std::vector<std::byte>>
resume_after_host_dies(Cluster& c, unsigned replicas,
                       const std::function<void(std::size_t)>& before) {
  Client client;
  VcRequest r = request(3, 1);
  r.replicas = replicas;
  EXPECT_TRUE(started(c, client, r));
  VcId id = *client.id;
  c.vc(0).spawn(id, spawn(0, {.op = Op::until_cancelled}));
  c.world.run_for(Millis{50});
  c.vc(0).capture(id, 0);
  const VtEvent* checkpoint = nullptr;
  EXPECT_TRUE(c.world.run_until(
      [&] {
        for (const VtEvent& e : client.events)
          if (e.kind == Kind::checkpoint)
            checkpoint = &e;
        return checkpoint != nullptr;
      },
      Millis{5000}));
  if (!checkpoint)
    return {0, {}};
  std::size_t host = 0;
  for (std::size_t i = 1; i <= 4; ++i)
    if (c.address(i) == checkpoint->peer)
      host = i;
  std::uint64_t effect = checkpoint->effect;
  c.world.run_for(Millis{50}); // the replicas arrive and are acknowledged
  before(host);
  c.kill(host);
  EXPECT_TRUE(c.world.run_until([&] { return client.finals.count(0) > 0; }, Millis{10000}));
  EXPECT_EQ(client.finals[0].failure, Failure::lost);
  SpawnRequest again = spawn(0, {.op = Op::until_cancelled});
  again.snapshot = u32(7);
  again.effect = effect;
  c.vc(0).spawn(id, std::move(again));
  c.world.run_for(Millis{200});
  for (std::size_t i = 1; i <= 4; ++i)
    for (auto& [vt, bytes] : c.executors(i).resumed)
      if (vt == 0 && i != host)
        return {i, bytes};
  return {0, {}};
}
} // namespace

TEST(DeployerSim, AResumeRunsOnAWorkerKeepingAReplicaWithoutTheSnapshotCrossingAgain) {
  Cluster c(seed(37));
  c.add({.slots = 0});
  for (int i = 0; i < 4; ++i)
    c.add({.slots = 1});
  auto [node, snapshot] = resume_after_host_dies(c, 2, [](std::size_t) {});
  ASSERT_NE(node, 0u) << "the VT was not resumed";
  EXPECT_EQ(snapshot, u32(1000)) << "resumed from the replica its worker keeps, not from bytes "
                                    "sent with the spawn";
}

TEST(DeployerSim, WithoutReplicasOrWithTheirHolderDeadTheResumeCarriesTheSnapshot) {
  {
    Cluster c(seed(38));
    c.add({.slots = 0});
    for (int i = 0; i < 4; ++i)
      c.add({.slots = 1});
    auto [node, snapshot] = resume_after_host_dies(c, 0, [](std::size_t) {});
    ASSERT_NE(node, 0u);
    EXPECT_EQ(snapshot, u32(7)) << "replicas = 0: the client's copy";
  }
  {
    // One replica; its holder dies first (a kill of a replica holder), then the VT's worker.
    Cluster c(seed(39));
    c.add({.slots = 0});
    for (int i = 0; i < 4; ++i)
      c.add({.slots = 1});
    auto [node, snapshot] = resume_after_host_dies(c, 1, [&](std::size_t host) {
      for (std::size_t i = 1; i <= 4; ++i) // the holder: the only other worker that has a copy
        if (i != host && c.alive(i) && c.vc(i).worker().replicas_kept() > 0) {
          c.kill(i, Millis{100});
          c.world.run_for(Millis{300});
          return;
        }
      ADD_FAILURE() << "no worker kept a replica";
    });
    ASSERT_NE(node, 0u);
    EXPECT_EQ(snapshot, u32(7)) << "its only holder died: the client's copy";
  }
}

TEST(DeployerSim, APartitionedWorkerIsTreatedAsDeadOnBothSidesAndNothingOfItLeaksBack) {
  Cluster c(seed(41));
  c.add({.slots = 0});
  for (int i = 0; i < 3; ++i)
    c.add({.slots = 1});
  Client client;
  ASSERT_TRUE(started(c, client, request(2, 1)));
  VcId id = *client.id;
  c.vc(0).spawn(id, spawn(0, {.work_ms = 3000, .value = 5, .partials = 30}));
  c.world.run_for(Millis{300});
  std::size_t host = 0;
  for (std::size_t i = 1; i <= 3; ++i)
    if (c.executors(i).running == 1)
      host = i;
  ASSERT_NE(host, 0u);
  std::size_t seen = client.events.size();
  c.partition(0, host);
  ASSERT_TRUE(c.world.run_until([&] { return client.finals.count(0) > 0; }, Millis{5000}));
  EXPECT_EQ(client.finals[0].failure, Failure::lost);
  EXPECT_EQ(client.finals[0].peer, c.address(host));
  // The worker, its deployer gone for it, dropped the VC and stopped its executor.
  EXPECT_TRUE(c.world.run_until(
      [&] { return c.vc(host).worker().status().empty() && c.executors(host).live == 0; },
      Millis{5000}));
  // The client resumes it (here from its start) on the other side, where it completes.
  c.vc(0).spawn(id, spawn(0, {.work_ms = 300, .value = 5}));
  ASSERT_TRUE(
      c.world.run_until([&] { return client.finals[0].kind == Kind::result; }, Millis{10000}));
  EXPECT_EQ(result_of(client.finals[0]), 10u);
  EXPECT_NE(client.finals[0].peer, c.address(host));
  c.links.partition(0, host, false); // healed: nothing of the old run comes back
  c.world.run_for(Millis{3000});
  for (std::size_t k = seen; k < client.events.size(); ++k)
    EXPECT_FALSE(client.events[k].kind == Kind::partial && client.events[k].peer == c.address(host))
        << "a partial from the partitioned worker after the partition";
}

TEST(DeployerSim, TheDeploymentCountsLostResumedAndMigratedVirtualThreadsAndCheckpointBytes) {
  Cluster c(seed(41));
  c.add({.slots = 0});
  c.add({.slots = 1}); // equal speeds: VT 1 goes to the worker that VT 0 leaves free
  c.add({.slots = 1});
  Client client;
  ASSERT_TRUE(started(c, client, request(2, 1)));
  VcId id = *client.id;
  c.vc(0).spawn(id, spawn(0, {.op = Op::until_cancelled}));
  c.vc(0).spawn(id, spawn(1, {.work_ms = 20, .value = 1}));
  c.vc(0).capture(id, 1);
  ASSERT_TRUE(c.world.run_until([&] { return client.finals.count(1); }, Millis{5000}));
  DeploymentStatus s = c.vc(0).deployment(id)->status();
  EXPECT_GT(s.checkpoint_bytes, 0u) << "the capture's snapshot came through the deployer";
  EXPECT_EQ(s.lost, 0u);
  // VT 0's worker dies: lost; the client spawns it again (no checkpoint: from its start).
  auto runs_vt0 = [&](std::size_t i) {
    auto st = c.vc(i).worker().status();
    return !st.empty() && st.front().running + st.front().queued > 0;
  };
  std::size_t host = runs_vt0(1) ? 1 : 2;
  ASSERT_TRUE(runs_vt0(host));
  c.kill(host);
  ASSERT_TRUE(c.world.run_until([&] { return client.finals.count(0); }, Millis{5000}));
  EXPECT_EQ(client.finals[0].failure, Failure::lost);
  c.vc(0).spawn(id, spawn(0, {.work_ms = 5, .value = 3}));
  SpawnRequest moved = spawn(7, {.work_ms = 5, .value = 7});
  moved.avoid = c.address(host);
  c.vc(0).spawn(id, std::move(moved));
  c.vc(0).spawn(id, spawn(8, {.work_ms = 5, .value = 8})); // a fresh VT: neither
  ASSERT_TRUE(c.world.run_until([&] { return client.finals.count(8) && client.finals.count(7); },
                                Millis{10000}));
  s = c.vc(0).deployment(id)->status();
  EXPECT_EQ(s.lost, 1u);
  EXPECT_EQ(s.resumed, 1u);
  EXPECT_EQ(s.migrated, 1u);
  DeploymentTotals before = c.vc(0).deployment_totals();
  c.vc(0).release(id);
  DeploymentTotals after = c.vc(0).deployment_totals();
  EXPECT_EQ(after.resumed, before.resumed) << "a released VC still counts in the totals";
  EXPECT_EQ(after.lost, 1u);
  EXPECT_EQ(after.checkpoint_bytes, s.checkpoint_bytes);
}
