// Deployer and worker logic in a deterministic simulation (vc_sim.hpp): enrolment, quota,
// delegation, module shipping, VT outcomes, cancellation and cleanup. Seeded: a failure
// replays exactly; PPP2P_SIM_SEED shifts every seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <functional>

#include "deployer_sim_util.hpp"

using namespace ppp2p::agent::vc;
using namespace ppp2p::agent::vc::sim;

TEST(DeployerSim, EnrolsTheQuotaFastestFirst) {
  Cluster c(seed(1));
  c.add({.slots = 0, .speed = 100}); // the client's agent, no slots of its own
  c.add({.slots = 2, .speed = 50});
  c.add({.slots = 2, .speed = 300});
  c.add({.slots = 2, .speed = 200});
  Client client;
  auto m = c.publish(0, 5000);
  c.create(0, client, request(2), m);
  ASSERT_TRUE(c.world.run_until([&] { return client.id.has_value(); }, Millis{5000}));
  EXPECT_EQ(client.workers, 2u);
  EXPECT_TRUE(c.vc(0).deployment(*client.id)->has_worker(c.address(2)));
  EXPECT_TRUE(c.vc(0).deployment(*client.id)->has_worker(c.address(3)));
  EXPECT_FALSE(c.vc(0).deployment(*client.id)->has_worker(c.address(1)));
  EXPECT_EQ(c.vc(1).worker().free_slots(), 2u);
  EXPECT_EQ(c.vc(2).worker().free_slots(), 1u) << "one slot per worker was asked for";
}

TEST(DeployerSim, TheDeployersOwnAgentEnrolsWhenItHasSlots) {
  Cluster c(seed(2));
  c.add({.slots = 4, .speed = 100});
  Client client;
  ASSERT_TRUE(started(c, client, request(1, 0)));
  EXPECT_EQ(client.workers, 1u);
  EXPECT_EQ(c.vc(0).worker().free_slots(), 0u) << "slots 0 asks for every free slot";
  for (VtNumber vt = 0; vt < 10; ++vt)
    c.vc(0).spawn(*client.id, spawn(vt, {.value = vt}));
  ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, 10); }, Millis{10000}));
  for (VtNumber vt = 0; vt < 10; ++vt)
    EXPECT_EQ(result_of(client.finals[vt]), vt * 2);
  EXPECT_EQ(c.modules(0).stored.size(), 1u);
  EXPECT_EQ(c.vc(0).worker().fetcher().modules_fetched(), 0u) << "its own module is not fetched";
}

TEST(DeployerSim, MinSpeedIsRespectedAndARefusalSaysWhy) {
  Cluster c(seed(3));
  c.add({.slots = 0, .speed = 100});
  c.add({.slots = 2, .speed = 80});
  c.add({.slots = 2, .speed = 90});
  Client client;
  c.create(0, client, request(1, 1, 150), c.publish(0, 100));
  ASSERT_TRUE(c.world.run_until([&] { return client.refusal.has_value(); }, Millis{5000}));
  EXPECT_FALSE(client.id.has_value());
  EXPECT_NE(client.refusal->find("no worker enrolled within 2000 ms"), std::string::npos)
      << *client.refusal;
  EXPECT_NE(client.refusal->find("3 live member(s) slower than min_speed 150.0"), std::string::npos)
      << *client.refusal;
  EXPECT_EQ(c.vc(1).worker().free_slots(), 2u);
}

TEST(DeployerSim, ARefusingMemberIsReplacedByAnother) {
  Cluster c(seed(4));
  c.add({.slots = 0});
  c.add({.slots = 1, .speed = 300});
  c.add({.slots = 1, .speed = 100});
  c.executors(1).fail_start = true; // the fastest cannot start an executor
  Client client;
  ASSERT_TRUE(started(c, client, request(1), 3000));
  EXPECT_TRUE(c.vc(0).deployment(*client.id)->has_worker(c.address(2)));
  EXPECT_EQ(c.vc(1).worker().free_slots(), 1u) << "the refusing worker gave its slot back";
}

TEST(DeployerSim, AShortQuotaIsCreatedAtTheTimeoutAndFilledWhenAMemberJoins) {
  Cluster c(seed(5));
  c.add({.slots = 0});
  c.add({.slots = 1});
  c.add({.slots = 1});
  Client client;
  c.create(0, client, request(3), c.publish(0, 100));
  c.world.run_for(Millis{1000});
  EXPECT_FALSE(client.id.has_value()) << "waits for the quota until the enrolment timeout";
  ASSERT_TRUE(c.world.run_until([&] { return client.id.has_value(); }, Millis{2000}));
  EXPECT_EQ(client.workers, 2u);
  c.add({.slots = 1});
  ASSERT_TRUE(c.world.run_until([&] { return client.workers == 3; }, Millis{5000}));
  EXPECT_EQ(client.changes.back(), 3u);
}

TEST(DeployerSim, FasterWorkersGetMoreVirtualThreads) {
  Cluster c(seed(6));
  c.add({.slots = 0});
  c.add({.slots = 1, .speed = 300});
  c.add({.slots = 1, .speed = 100});
  Client client;
  c.create(0, client, request(2), c.publish(0, 100));
  ASSERT_TRUE(c.world.run_until([&] { return client.workers == 2; }, Millis{5000}));
  for (VtNumber vt = 0; vt < 200; ++vt)
    c.vc(0).spawn(*client.id, spawn(vt, {.work_ms = 30, .value = vt}));
  ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, 200); }, Millis{60000}));
  std::map<std::string, int> per_peer;
  for (auto& [vt, e] : client.finals) {
    ASSERT_EQ(e.kind, Kind::result) << e.what;
    EXPECT_EQ(result_of(e), vt * 2);
    ++per_peer[e.peer];
  }
  EXPECT_GT(per_peer[c.address(1)], 2 * per_peer[c.address(2)])
      << "a worker 3x faster gets about 3x the VTs: " << per_peer[c.address(1)] << " vs "
      << per_peer[c.address(2)];
  EXPECT_LE(c.executors(1).max_running, 1u) << "never more VTs at once than slots";
}

TEST(DeployerSim, BlockedVirtualThreadsHoldNoSlotSoMoreVirtualThreadsThanSlotsComplete) {
  // 60 VTs that each wait until all 60 have begun (as a ring's receives do) on 2 workers of one
  // slot: more than the executors' prefetch and the deployer's windows (2 x 18) could hold.
  const std::uint32_t n = 60;
  SimExecutors::barrier_arrived = 0;
  Cluster c(seed(61));
  c.add({.slots = 0});
  c.add({.slots = 1});
  c.add({.slots = 1});
  Client client;
  c.create(0, client, request(2), c.publish(0, 100));
  ASSERT_TRUE(c.world.run_until([&] { return client.workers == 2; }, Millis{5000}));
  for (VtNumber vt = 0; vt < n; ++vt)
    c.vc(0).spawn(*client.id, spawn(vt, {.op = Op::barrier, .work_ms = 5, .value = n}));
  ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, n); }, Millis{60000}))
      << client.finals.size() << " of " << n << " finished";
  for (auto& [vt, e] : client.finals) {
    ASSERT_EQ(e.kind, Kind::result) << e.what;
    EXPECT_EQ(result_of(e), n * 2);
  }
  for (int node : {1, 2})
    EXPECT_LE(c.executors(node).max_unblocked, 1u) << "at most a slot's worth not blocked";
  for (const VtEvent& e : client.events)
    EXPECT_TRUE(e.kind != Kind::blocked && e.kind != Kind::unblocked)
        << "the deployer keeps blocking to itself";
}

TEST(DeployerSim, PartialResultsArriveInOrderBeforeTheResult) {
  Cluster c(seed(7));
  c.add({.slots = 0});
  c.add({.slots = 2});
  Client client;
  ASSERT_TRUE(started(c, client, request(1, 2)));
  c.vc(0).spawn(*client.id, spawn(0, {.work_ms = 100, .value = 5, .partials = 20}));
  c.vc(0).spawn(*client.id, spawn(1, {.work_ms = 50, .value = 6, .partials = 20}));
  ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, 2); }, Millis{5000}));
  std::map<VtNumber, std::vector<std::uint32_t>> seen;
  for (const VtEvent& e : client.events)
    seen[e.vt].push_back(e.kind == Kind::partial ? result_of(e) : 1000 + result_of(e));
  for (VtNumber vt : {0u, 1u}) {
    ASSERT_EQ(seen[vt].size(), 21u);
    for (std::uint32_t k = 0; k < 20; ++k)
      EXPECT_EQ(seen[vt][k], k + 1);
    EXPECT_EQ(seen[vt][20], 1000 + (vt == 0 ? 10u : 12u));
  }
}

TEST(DeployerSim, ThrowingAndCrashingVirtualThreadsFailAndTheExecutorComesBack) {
  Cluster c(seed(8));
  c.add({.slots = 0});
  c.add({.slots = 1});
  Client client;
  ASSERT_TRUE(started(c, client, request(1)));
  c.vc(0).spawn(*client.id, spawn(0, {.op = Op::throws, .value = 7}));
  c.vc(0).spawn(*client.id, spawn(1, {.op = Op::crash}));
  ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, 2); }, Millis{5000}));
  c.vc(0).spawn(*client.id, spawn(2, {.value = 21}));
  ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, 3); }, Millis{5000}));
  EXPECT_EQ(client.finals[0].failure, Failure::exception);
  EXPECT_EQ(client.finals[0].type, "std::runtime_error");
  EXPECT_EQ(client.finals[0].what, "boom 7");
  EXPECT_EQ(client.finals[0].peer, c.address(1));
  EXPECT_EQ(client.finals[1].kind, Kind::failure);
  EXPECT_EQ(client.finals[1].failure, Failure::crashed);
  EXPECT_EQ(client.finals[1].what, "executor killed by signal 11 (Segmentation fault)");
  EXPECT_EQ(client.finals[2].kind, Kind::result);
  EXPECT_EQ(result_of(client.finals[2]), 42u);
  EXPECT_EQ(c.executors(1).starts, 2u) << "a new executor after the crash";
}

TEST(DeployerSim, ACrashFailsWhatTheExecutorHeldAndSparesWhatWaitedInTheWorker) {
  Cluster c(seed(15));
  c.add({.slots = 0});
  c.add({.slots = 1});
  Client client;
  ASSERT_TRUE(started(c, client, request(1)));
  c.vc(0).spawn(*client.id, spawn(0, {.op = Op::crash}));
  for (VtNumber vt = 1; vt <= 8; ++vt)
    c.vc(0).spawn(*client.id, spawn(vt, {.value = vt}));
  ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, 9); }, Millis{5000}));
  // The executor held its slot's VT and 4 more (WorkerConfig::executor_prefetch).
  for (VtNumber vt = 0; vt <= 4; ++vt)
    EXPECT_EQ(client.finals[vt].failure, Failure::crashed) << vt;
  for (VtNumber vt = 5; vt <= 8; ++vt)
    EXPECT_EQ(result_of(client.finals[vt]), vt * 2) << vt;
}

TEST(DeployerSim, CancelStopsQueuedAndRunningVirtualThreads) {
  Cluster c(seed(9));
  c.add({.slots = 0});
  c.add({.slots = 1});
  Client client;
  ASSERT_TRUE(started(c, client, request(1)));
  c.vc(0).spawn(*client.id, spawn(0, {.op = Op::until_cancelled}));
  for (VtNumber vt = 1; vt < 40; ++vt) // beyond the worker's window: some wait in the deployer
    c.vc(0).spawn(*client.id, spawn(vt, {.value = vt}));
  c.world.run_for(Millis{100});
  EXPECT_TRUE(client.finals.empty()) << "VT 0 holds the only slot";
  c.vc(0).cancel(*client.id, 39); // still in the deployer's queue
  c.vc(0).cancel(*client.id, 1);  // queued on the worker
  c.vc(0).cancel(*client.id, 0);  // running
  ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, 40); }, Millis{10000}));
  for (VtNumber vt : {0u, 1u, 39u}) {
    EXPECT_EQ(client.finals[vt].kind, Kind::failure) << vt;
    EXPECT_EQ(client.finals[vt].failure, Failure::cancelled) << vt;
  }
  for (VtNumber vt = 2; vt < 39; ++vt)
    EXPECT_EQ(result_of(client.finals[vt]), vt * 2);
}

TEST(DeployerSim, AModuleIsFetchedOncePerWorkerAndAWrongOneIsRefused) {
  Cluster c(seed(10));
  c.add({.slots = 0});
  c.add({.slots = 2});
  c.add({.slots = 2});
  auto m = c.publish(0, 3'000'000); // three chunks
  for (int round = 0; round < 2; ++round) {
    Client client;
    VcId id = c.create(0, client, request(2), m);
    ASSERT_TRUE(c.world.run_until([&] { return client.id.has_value(); }, Millis{5000}));
    c.vc(0).spawn(id, spawn(0, {.value = 1}));
    ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, 1); }, Millis{5000}));
    c.vc(0).release(id);
  }
  for (std::size_t w : {1u, 2u}) {
    EXPECT_EQ(c.vc(w).worker().fetcher().modules_fetched(), 1u);
    EXPECT_EQ(c.vc(w).worker().fetcher().bytes_fetched(), 3'000'000u);
    EXPECT_EQ(c.modules(w).stored.count(m.hash), 1u);
  }
  // A deployer whose bytes do not match the hash it offers gets no worker.
  auto bad = c.publish(0, 5000);
  c.modules(0).tamper = true;
  Client client;
  c.create(0, client, request(1), bad);
  ASSERT_TRUE(c.world.run_until([&] { return client.refusal.has_value(); }, Millis{5000}));
  EXPECT_NE(client.refusal->find("module hash mismatch"), std::string::npos) << *client.refusal;
  EXPECT_EQ(c.modules(1).stored.count(bad.hash), 0u);
  EXPECT_EQ(c.vc(1).worker().free_slots(), 2u);
}

TEST(DeployerSim, ReleasingAVirtualComputerStopsItsExecutorsAndFreesTheSlots) {
  Cluster c(seed(11));
  c.add({.slots = 0});
  c.add({.slots = 2});
  Client client;
  ASSERT_TRUE(started(c, client, request(1, 2)));
  VcId id = *client.id;
  for (VtNumber vt = 0; vt < 5; ++vt)
    c.vc(0).spawn(id, spawn(vt, {.op = Op::until_cancelled}));
  c.world.run_for(Millis{50});
  EXPECT_EQ(c.executors(1).running, 2u);
  c.vc(0).release(id);
  ASSERT_TRUE(c.world.run_until([&] { return c.executors(1).live == 0; }, Millis{1000}));
  EXPECT_EQ(c.executors(1).running, 0u);
  EXPECT_TRUE(c.vc(1).worker().status().empty());
  EXPECT_EQ(c.vc(1).worker().free_slots(), 2u);
  EXPECT_TRUE(c.vc(0).deployments().empty());
}

TEST(DeployerSim, ADeadWorkersVirtualThreadsAreLostAndTheQuotaIsRestored) {
  Cluster c(seed(12));
  c.add({.slots = 0});
  c.add({.slots = 1, .speed = 300});
  c.add({.slots = 1, .speed = 200});
  c.add({.slots = 1, .speed = 100}); // the spare
  Client client;
  VcId id = c.create(0, client, request(2), c.publish(0, 100));
  ASSERT_TRUE(c.world.run_until([&] { return client.workers == 2; }, Millis{5000}));
  c.vc(0).spawn(id, spawn(0, {.op = Op::until_cancelled}));
  c.vc(0).spawn(id, spawn(1, {.op = Op::until_cancelled}));
  c.world.run_for(Millis{50});
  c.kill(1);
  ASSERT_TRUE(c.world.run_until([&] { return !client.finals.empty(); }, Millis{5000}));
  const VtEvent& lost = client.finals.begin()->second;
  EXPECT_EQ(lost.failure, Failure::lost);
  EXPECT_EQ(lost.what, "worker " + c.address(1) + " died");
  ASSERT_TRUE(c.world.run_until(
      [&] { return client.workers == 2 && c.vc(0).deployment(id)->has_worker(c.address(3)); },
      Millis{5000}));
  c.vc(0).spawn(id, spawn(2, {.value = 4}));
  ASSERT_TRUE(c.world.run_until([&] { return client.finals.count(2); }, Millis{5000}));
  EXPECT_EQ(result_of(client.finals[2]), 8u);
}

TEST(DeployerSim, WithNoWorkerLeftWaitingVirtualThreadsFailAfterAnEnrolmentTimeout) {
  Cluster c(seed(17));
  c.add({.slots = 0});
  c.add({.slots = 1});
  Client client;
  ASSERT_TRUE(started(c, client, request(1)));
  VcId id = *client.id;
  c.vc(0).spawn(id, spawn(0, {.op = Op::until_cancelled}));
  c.world.run_for(Millis{50});
  c.kill(1); // the only member with slots
  ASSERT_TRUE(c.world.run_until([&] { return client.finals.count(0); }, Millis{5000}));
  EXPECT_EQ(client.finals[0].failure, Failure::lost);
  EXPECT_EQ(client.workers, 0u);
  for (VtNumber vt = 1; vt <= 3; ++vt)
    c.vc(0).spawn(id, spawn(vt, {.value = vt}));
  c.world.run_for(Millis{1000});
  EXPECT_EQ(client.finals.size(), 1u) << "the others wait for a worker a while";
  ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, 4); }, Millis{5000}));
  EXPECT_EQ(client.finals[3].failure, Failure::lost);
  EXPECT_NE(client.finals[3].what.find("no worker for 2000 ms"), std::string::npos)
      << client.finals[3].what;
  c.vc(0).spawn(id, spawn(4, {}));
  c.world.run_for(Millis{10});
  EXPECT_EQ(client.finals[4].failure, Failure::lost) << "fails at once from now on";
  c.add({.slots = 1}); // a new member: the VC has a worker again
  ASSERT_TRUE(c.world.run_until([&] { return client.workers == 1; }, Millis{5000}));
  c.vc(0).spawn(id, spawn(5, {.value = 5}));
  ASSERT_TRUE(c.world.run_until([&] { return client.finals.count(5); }, Millis{5000}));
  EXPECT_EQ(result_of(client.finals[5]), 10u);
}

TEST(DeployerSim, AWorkerThatLeavesResignsAndIsReplaced) {
  Cluster c(seed(18));
  c.add({.slots = 0});
  c.add({.slots = 1, .speed = 200});
  c.add({.slots = 1, .speed = 100});
  Client client;
  ASSERT_TRUE(started(c, client, request(1)));
  VcId id = *client.id;
  c.vc(0).spawn(id, spawn(0, {.op = Op::until_cancelled}));
  c.world.run_for(Millis{50});
  c.leave(1);
  ASSERT_TRUE(c.world.run_until([&] { return client.finals.count(0); }, Millis{1000}));
  EXPECT_EQ(client.finals[0].failure, Failure::lost);
  EXPECT_NE(client.finals[0].what.find("resigned: its agent is leaving the cluster"),
            std::string::npos)
      << client.finals[0].what;
  ASSERT_TRUE(c.world.run_until([&] { return c.vc(0).deployment(id)->has_worker(c.address(2)); },
                                Millis{5000}));
  c.vc(0).spawn(id, spawn(1, {.value = 3}));
  ASSERT_TRUE(c.world.run_until([&] { return client.finals.count(1); }, Millis{5000}));
  EXPECT_EQ(result_of(client.finals[1]), 6u);
}

// Message frames and captures reach a VT's executor after its Spawn, in order, wherever the VT
// waits (the deployer's queue, the worker's, the executor's); what comes back is not final.
TEST(DeployerSim, MessageFramesAndCapturesFollowTheVirtualThreadInOrder) {
  Cluster c(seed(23));
  c.add({.slots = 0});
  c.add({.slots = 1});
  Client client;
  ASSERT_TRUE(started(c, client, request(1, 1)));
  VcId id = *client.id;
  constexpr VtNumber kVts = 12;
  for (VtNumber vt = 0; vt < kVts; ++vt)
    c.vc(0).spawn(id, spawn(vt, {.work_ms = 20, .value = vt}));
  for (VtNumber vt = 0; vt < kVts; ++vt) {
    for (std::uint32_t k = 1; k <= 3; ++k)
      c.vc(0).to_vt(id, vt, u32(vt * 100 + k));
    c.vc(0).capture(id, vt);
  }
  c.vc(0).to_vt(id, kVts + 5, u32(1)); // never spawned: dropped
  ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, kVts); }, Millis{10000}));
  c.vc(0).to_vt(id, 0, u32(1)); // finished: dropped
  c.world.run_for(Millis{100});
  std::map<VtNumber, std::vector<std::string>> seen;
  for (const VtEvent& e : client.events) {
    if (e.kind == Kind::message_frame)
      seen[e.vt].push_back("x" + std::to_string(result_of(e)));
    else if (e.kind == Kind::checkpoint)
      seen[e.vt].push_back("c" + std::to_string(e.effect));
    else if (e.kind == Kind::result)
      seen[e.vt].push_back("r" + std::to_string(result_of(e)));
  }
  EXPECT_EQ(seen.size(), std::size_t{kVts}) << "nothing for a VT that was never spawned";
  for (VtNumber vt = 0; vt < kVts; ++vt) {
    std::string n = std::to_string(vt * 100);
    std::vector<std::string> want = {
        "x" + std::to_string(vt * 100 + 1), "x" + std::to_string(vt * 100 + 2),
        "x" + std::to_string(vt * 100 + 3), "c3", "r" + std::to_string(vt * 2)};
    EXPECT_EQ(seen[vt], want) << "VT " << vt;
  }
  EXPECT_EQ(c.executors(1).frames_for_unknown, 0u);
}

TEST(DeployerSim, ManyCaptureRequestsForAQueuedVirtualThreadAreHeldAsOne) {
  Cluster c(seed(24));
  c.add({.slots = 0});
  c.add({.slots = 1});
  Client client;
  ASSERT_TRUE(started(c, client, request(1, 1)));
  VcId id = *client.id;
  // More VTs than the worker's window: the last ones wait in the deployer.
  constexpr VtNumber kVts = 30, kLast = kVts - 1;
  for (VtNumber vt = 0; vt < kVts; ++vt)
    c.vc(0).spawn(id, spawn(vt, {.work_ms = 10, .value = vt}));
  for (int i = 0; i < 50; ++i) // as periodic checkpoints would, while it waits
    c.vc(0).capture(id, kLast);
  ASSERT_TRUE(c.world.run_until([&] { return all_finished(client, kVts); }, Millis{20000}));
  std::size_t checkpoints = 0;
  for (const VtEvent& e : client.events)
    checkpoints += e.kind == Kind::checkpoint && e.vt == kLast;
  EXPECT_EQ(checkpoints, 1u) << "50 requests while queued, one capture once it runs";
}

TEST(DeployerSim, ArgumentsOverTheLimitAreRefused) {
  Cluster c(seed(19));
  c.add({.slots = 1});
  Client client;
  ASSERT_TRUE(started(c, client, request(1)));
  c.vc(0).spawn(*client.id, SpawnRequest{0, 1, 2, std::vector<std::byte>(kMaxValue + 1)});
  ASSERT_TRUE(client.finals.count(0));
  EXPECT_EQ(client.finals[0].failure, Failure::refused);
  EXPECT_NE(client.finals[0].what.find("at most 60 MiB"), std::string::npos);
}

TEST(DeployerSim, TheDeployersQueueIsBoundedAndSaysWhichBoundRefusedAVt) {
  Cluster c(seed(32));
  c.add({.slots = 0, .deployment = {.max_queued_vts = 20, .max_queued_bytes = 64u << 10}});
  c.add({.slots = 1});
  Client client;
  ASSERT_TRUE(started(c, client, request(1, 1)));
  VcId id = *client.id;
  // The worker takes a window of VTs (its slot and a few prefetched); the rest wait at the
  // deployer, which holds at most 20 of them.
  VtNumber vt = 0;
  for (; vt < 40; ++vt)
    c.vc(0).spawn(id, spawn(vt, {.op = Op::until_cancelled}));
  std::size_t refused = 0;
  for (const auto& [n, e] : client.finals) {
    ASSERT_EQ(e.failure, Failure::refused) << "VT " << n;
    EXPECT_NE(e.what.find("its deployer's queue is full"), std::string::npos) << e.what;
    ++refused;
  }
  auto status = c.vc(0).deployments().front();
  EXPECT_EQ(status.queued, 20u);
  EXPECT_EQ(refused, 40u - 20u - status.placed);
  // VTs 0 .. placed-1 run, the next 20 wait. Bytes: 64 KiB in all; with one place free, a VT
  // with 63 KiB of arguments does not fit beside the 19 others.
  VtNumber first_queued = VtNumber(status.placed);
  client.finals.clear();
  c.vc(0).cancel(id, first_queued);
  c.vc(0).spawn(id, SpawnRequest{vt, 1, 2, std::vector<std::byte>(63u << 10)});
  ASSERT_TRUE(client.finals.count(vt));
  EXPECT_NE(client.finals[vt].what.find("MiB wait for a worker"), std::string::npos);
  // Messages held for a queued VT count too: past the bytes, that VT fails rather than
  // losing them.
  VtNumber queued_vt = first_queued + 19;
  for (int i = 0; i < 8 && !client.finals.count(queued_vt); ++i)
    c.vc(0).to_vt(id, queued_vt, std::vector<std::byte>(10u << 10));
  ASSERT_TRUE(client.finals.count(queued_vt));
  EXPECT_EQ(client.finals[queued_vt].failure, Failure::refused);
  EXPECT_NE(client.finals[queued_vt].what.find("messages for it"), std::string::npos);
}

TEST(DeployerSim, WorkersForgetTheVirtualComputersOfADeadDeployer) {
  Cluster c(seed(13));
  c.add({.slots = 0});
  c.add({.slots = 2});
  Client client;
  ASSERT_TRUE(started(c, client, request(1, 2)));
  VcId id = *client.id;
  c.vc(0).spawn(id, spawn(0, {.op = Op::until_cancelled}));
  c.world.run_for(Millis{50});
  c.kill(0);
  ASSERT_TRUE(c.world.run_until([&] { return c.executors(1).live == 0; }, Millis{5000}));
  EXPECT_EQ(c.vc(1).worker().free_slots(), 2u);
}

TEST(DeployerSim, AVcCreatedRightAfterAnotherWasReleasedDoesNotWaitForGossip) {
  Cluster c(seed(16));
  c.gossip_delay = Millis{500};
  c.add({.slots = 0});
  c.add({.slots = 1});
  auto m = c.publish(0, 100);
  Client first;
  VcId id = c.create(0, first, request(1), m);
  ASSERT_TRUE(c.world.run_until([&] { return first.id.has_value(); }, Millis{5000}));
  c.world.run_for(Millis{1000}); // everybody knows the worker has no free slot
  c.vc(0).release(id);
  Millis released = c.world.now();
  Client second;
  c.create(0, second, request(1), m);
  ASSERT_TRUE(c.world.run_until([&] { return second.id.has_value(); }, Millis{5000}));
  EXPECT_LT(c.world.now() - released, Millis{100})
      << "the deployer knows the slot it released is free";
}

TEST(DeployerSim, SameSeedSameRun) {
  auto run = [](std::uint64_t s) {
    Cluster c(s);
    c.add({.slots = 0});
    for (int i = 0; i < 4; ++i)
      c.add({.slots = 2, .speed = 100.0 + 50 * i});
    c.links.loss = 0.05;
    Client client;
    VcId id = c.create(0, client, request(3, 2), c.publish(0, 2'000'000));
    EXPECT_TRUE(c.world.run_until([&] { return client.id.has_value(); }, Millis{60000}));
    for (VtNumber vt = 0; vt < 100; ++vt)
      c.vc(0).spawn(id, spawn(vt, {.work_ms = 5 + vt % 17, .value = vt}));
    EXPECT_TRUE(c.world.run_until([&] { return all_finished(client, 100); }, Millis{600000}));
    std::string trace;
    for (const VtEvent& e : client.events)
      trace += std::to_string(e.vt) + "@" + e.peer + ";";
    return std::pair{trace, c.world.now()};
  };
  EXPECT_EQ(run(seed(14)), run(seed(14)));
}

TEST(DeployerSim, AWorkersQueueIsBoundedAgainstADeployerThatSendsTooMuch) {
  Cluster c(seed(31));
  c.add({.slots = 0});
  c.add({.slots = 1});
  Client client;
  ASSERT_TRUE(started(c, client, request(1, 1)));
  VcId id = *client.id;
  // As a broken or hostile deployer would: far more VTs than the worker's slot, straight to
  // its worker service, each VT waiting for a cancel that never comes.
  WorkerService& worker = c.vc(1).worker();
  auto queued = [&] {
    auto s = worker.status();
    return s.empty() ? std::uint64_t{0} : std::uint64_t(s.front().queued);
  };
  VtNumber vt = 0;
  for (; vt < 5; ++vt) // the slot and the executor's prefetch
    worker.on_spawn(c.address(0), Spawn{id, spawn(vt, {.op = Op::until_cancelled})});
  c.world.run_for(Millis{100});
  ASSERT_EQ(queued(), 0u);
  // Bytes: 60 MiB of arguments each, four fit in 256 MiB, the fifth is refused.
  for (; vt < 10; ++vt)
    worker.on_spawn(c.address(0),
                    Spawn{id, SpawnRequest{vt, 1, 2, std::vector<std::byte>(kMaxValue)}});
  EXPECT_EQ(queued(), 4u);
  // Count: at most 4096 wait.
  for (; vt < 5000; ++vt)
    worker.on_spawn(c.address(0), Spawn{id, spawn(vt, {.op = Op::until_cancelled})});
  EXPECT_EQ(queued(), 4096u);
  // The worker still works: cancelling a queued VT frees its place.
  worker.on_cancel(c.address(0), Cancel{id, 100});
  EXPECT_EQ(queued(), 4095u);
}
