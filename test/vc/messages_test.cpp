// Messages between virtual threads and global variables, end to end on the embedded peer:
// ordering, completeness, type checks, the client's side, linearizable updates, and exactly
// once across a restart from an older checkpoint.
#include <ppp2p/ppp2p.hpp>
#include <ppp2p/testing.hpp>

#include "ring_reference.hpp"

#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct Token {
  int round;
  long value;
};

struct Entry {
  unsigned vt;
  int index;
};

} // namespace

// A ring: each round, VT k passes its token to k+1 (mod n), adds what it received from k-1,
// and adds its round's value to a global sum.
[[ppp2p::checkpointable]] long ring_member(unsigned n, int rounds) {
  unsigned me = ppp2p::self();
  long acc = me;
  auto sum = ppp2p::global<long>("sum");
  for (int r = 0; r < rounds; ++r) {
    ppp2p::send((me + 1) % n, Token{r, acc});
    Token in = ppp2p::receive<Token>((me + n - 1) % n);
    if (in.round != r)
      throw std::runtime_error("token of round " + std::to_string(in.round) + " in round " +
                               std::to_string(r));
    acc = ppp2p::test::ring_step(acc, in.value);
    long mine = acc;
    sum.update([&](long& s) { s += mine; });
    ppp2p::checkpoint();
  }
  return acc;
}

TEST(Messages, ARingWithAGlobalSumMatchesTheSequentialComputation) {
  const unsigned n = 4;
  const int rounds = 200;
  ppp2p::VirtualComputer vc({.workers = 2, .slots_per_worker = 2});
  std::vector<ppp2p::VirtualThread<long>> vts;
  for (unsigned k = 0; k < n; ++k)
    vts.push_back(vc.spawn(ring_member, n, rounds));
  auto [acc, sum] = ppp2p::test::ring_reference(n, rounds);
  for (unsigned k = 0; k < n; ++k)
    EXPECT_EQ(vts[k].get(), acc[k]) << "VT " << k;
  EXPECT_EQ(vc.global<long>("sum").read(), sum);
}

// More VTs than slots: a VT blocked in receive lends its slot, so the VTs it waits for run.
TEST(Messages, ARingOfSixVirtualThreadsOnThreeSingleSlotWorkersCompletes) {
  ppp2p::VirtualComputer vc({.workers = 3}); // one slot each, the default
  std::vector<ppp2p::VirtualThread<long>> vts;
  for (unsigned k = 0; k < 6; ++k)
    vts.push_back(vc.spawn(ring_member, 6u, 20));
  auto [acc, sum] = ppp2p::test::ring_reference(6, 20);
  for (unsigned k = 0; k < 6; ++k)
    EXPECT_EQ(vts[k].get(), acc[k]) << "VT " << k;
  EXPECT_EQ(vc.global<long>("sum").read(), sum);
}

TEST(Messages, AThousandVirtualThreadsInARingOnTwoSingleSlotWorkersComplete) {
  const unsigned n = 1000;
  const int rounds = 3;
  ppp2p::VirtualComputer vc({.workers = 2, .slots_per_worker = 1});
  std::vector<ppp2p::VirtualThread<long>> vts;
  for (unsigned k = 0; k < n; ++k)
    vts.push_back(vc.spawn(ring_member, n, rounds));
  auto [acc, sum] = ppp2p::test::ring_reference(n, rounds);
  for (unsigned k = 0; k < n; ++k)
    ASSERT_EQ(vts[k].get(), acc[k]) << "VT " << k;
  EXPECT_EQ(vc.global<long>("sum").read(), sum);
}

[[ppp2p::checkpointable]] long produce(unsigned to, int count) {
  for (int i = 0; i < count; ++i)
    ppp2p::send(to, i);
  return count;
}

[[ppp2p::checkpointable]] long consume_in_order(unsigned from, int count) {
  long sum = 0;
  for (int i = 0; i < count; ++i) {
    int v = ppp2p::receive<int>(from);
    if (v != i)
      throw std::runtime_error("message " + std::to_string(i) + " was " + std::to_string(v));
    sum += v;
  }
  if (ppp2p::try_receive<int>())
    throw std::runtime_error("a message beyond the last");
  return sum;
}

TEST(Messages, OneHundredThousandSmallMessagesArriveCompleteAndInOrder) {
  const int count = 100000;
  ppp2p::VirtualComputer vc({.workers = 2});
  // The consumer is VT 0 and is spawned first; the producer sends to it by id.
  auto consumer = vc.spawn(consume_in_order, 1u, count);
  auto producer = vc.spawn(produce, 0u, count);
  EXPECT_EQ(producer.get(), count);
  EXPECT_EQ(consumer.get(), long(count) * (count - 1) / 2);
}

TEST(Messages, BackPressureBoundsTheBufferWithoutLosingMessages) {
  // A buffer far smaller than what is sent: the producer must wait for the consumer.
  const int count = 20000;
  ppp2p::VirtualComputer vc({.workers = 2, .message_buffer_bytes = 4096});
  auto consumer = vc.spawn(consume_in_order, 1u, count);
  auto producer = vc.spawn(produce, 0u, count);
  EXPECT_EQ(producer.get(), count);
  EXPECT_EQ(consumer.get(), long(count) * (count - 1) / 2);
}

[[ppp2p::checkpointable]] std::string echo_to_client(int times) {
  std::string last;
  for (int i = 0; i < times; ++i) {
    last = ppp2p::receive<std::string>(ppp2p::client);
    ppp2p::send(ppp2p::client, last + "!");
  }
  return last;
}

TEST(Messages, TheClientSendsToAVirtualThreadNotSpawnedYetAndReceivesReplies) {
  ppp2p::VirtualComputer vc({.workers = 1});
  vc.send(0, std::string("early")); // VT 0 does not exist yet: the message waits for it
  auto vt = vc.spawn(echo_to_client, 2);
  EXPECT_EQ(vc.receive<std::string>(), "early!");
  vc.send(vt.id(), std::string("late"));
  EXPECT_EQ(vc.receive<std::string>(vt.id()), "late!");
  EXPECT_EQ(vt.get(), "late");
  EXPECT_FALSE(vc.try_receive<std::string>());
}

[[ppp2p::checkpointable]] int receive_wrong_type(int) {
  return int(ppp2p::receive<double>());
}

// Computes for `ms` milliseconds (holding its slot), then takes the client's message.
[[ppp2p::checkpointable]] int busy_then_receive(int ms) {
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (std::chrono::steady_clock::now() < until) {
  }
  return ppp2p::receive<int>(ppp2p::client) + ms;
}

TEST(Messages, MessagesForVirtualThreadsQueuedBehindBusyOnesReachThem) {
  // One slot: the executor holds a few VTs, the peer queues the rest while the first compute;
  // the client's messages for every VT are sent while most of them wait to start.
  ppp2p::VirtualComputer vc({.workers = 1, .slots_per_worker = 1});
  std::vector<ppp2p::VirtualThread<int>> vts;
  for (int i = 0; i < 24; ++i)
    vts.push_back(vc.spawn(busy_then_receive, 10));
  for (int i = 0; i < 24; ++i)
    vc.send(vts[std::size_t(i)].id(), i * 100);
  for (int i = 0; i < 24; ++i) {
    ASSERT_TRUE(vts[std::size_t(i)].wait_for(60s)) << "VT " << i << " never got its message";
    EXPECT_EQ(vts[std::size_t(i)].get(), i * 100 + 10);
  }
}

TEST(Messages, AMessageOfAnotherTypeIsAnErrorNamingBothTypes) {
  ppp2p::VirtualComputer vc({.workers = 1});
  vc.send(0, std::string("text"));
  auto vt = vc.spawn(receive_wrong_type, 0);
  try {
    vt.get();
    FAIL() << "expected a type error";
  } catch (const ppp2p::remote_error& e) {
    EXPECT_NE(e.remote_what().find("receives double"), std::string::npos) << e.what();
    EXPECT_NE(e.remote_what().find("std::"), std::string::npos) << e.what();
    EXPECT_NE(e.remote_what().find("string"), std::string::npos) << e.what();
  }
  EXPECT_THROW(vc.send(ppp2p::client, 1), ppp2p::error);
}

[[ppp2p::checkpointable]] int globals_basics(int) {
  auto counter = ppp2p::global<int>("counter");
  auto text = ppp2p::global<std::string>("text");
  if (counter.read() != 0 || !text.read().empty())
    throw std::runtime_error("a global never written must read as T{}");
  text.write("hello");
  int before = counter.update([](int& c) {
    int old = c;
    c += 5;
    return old;
  });
  if (before != 0 || counter.read() != 5 || text.read() != "hello")
    throw std::runtime_error("wrong values");
  try {
    ppp2p::global<double>("counter").read();
  } catch (const ppp2p::error& e) {
    if (e.code() != ppp2p::errc::type_mismatch)
      throw;
    // Still usable with its own type after a refused operation.
    return counter.update([](int& c) { return c *= 2; });
  }
  throw std::runtime_error("reading an int global as double must fail");
}

TEST(Globals, ReadWriteUpdateAndTypeChecks) {
  ppp2p::VirtualComputer vc({.workers = 1});
  EXPECT_EQ(vc.spawn(globals_basics, 0).get(), 10);
  EXPECT_EQ(vc.global<int>("counter").read(), 10);
  EXPECT_EQ(vc.global<std::string>("text").read(), "hello");
  EXPECT_THROW(vc.global<long>("text").read(), ppp2p::error);
}

[[ppp2p::checkpointable]] std::vector<int> append_many(int count) {
  unsigned me = ppp2p::self();
  auto log = ppp2p::global<std::vector<Entry>>("log");
  std::vector<int> seen; // for each append: the position it got; then each read's length
  for (int i = 0; i < count; ++i) {
    seen.push_back(log.update([&](std::vector<Entry>& l) {
      l.push_back({me, i});
      return int(l.size()) - 1;
    }));
    if (i % 7 == 0)
      seen.push_back(-int(log.read().size())); // reads are negative
  }
  return seen;
}

TEST(Globals, ConcurrentUpdatesAreLinearizable) {
  const unsigned writers = 4;
  const int count = 150;
  ppp2p::VirtualComputer vc({.workers = 2, .slots_per_worker = 2});
  vc.global<std::vector<Entry>>("log").write({}); // seeded by the client
  std::vector<ppp2p::VirtualThread<std::vector<int>>> vts;
  for (unsigned k = 0; k < writers; ++k)
    vts.push_back(vc.spawn(append_many, count));
  std::vector<std::vector<int>> histories;
  for (auto& vt : vts)
    histories.push_back(vt.get());
  std::vector<Entry> log = vc.global<std::vector<Entry>>("log").read();
  ASSERT_EQ(log.size(), std::size_t(writers) * count);
  // Each update's result is its position in the final log: the updates form one total order
  // consistent with every VT's program order, and reads see prefixes that never shrink.
  std::vector<int> taken(log.size(), 0);
  for (unsigned k = 0; k < writers; ++k) {
    int last_position = -1, last_read = 0, index = 0;
    for (int v : histories[k]) {
      if (v < 0) {
        EXPECT_GE(-v, last_position + 1) << "a read missed an update that preceded it";
        EXPECT_GE(-v, last_read) << "a read saw fewer updates than an earlier read";
        last_read = -v;
        continue;
      }
      ASSERT_LT(std::size_t(v), log.size());
      EXPECT_GT(v, last_position) << "VT " << k << "'s updates out of program order";
      EXPECT_EQ(log[std::size_t(v)].vt, vts[k].id());
      EXPECT_EQ(log[std::size_t(v)].index, index++);
      ++taken[std::size_t(v)];
      last_position = v;
    }
  }
  EXPECT_TRUE(std::all_of(taken.begin(), taken.end(), [](int t) { return t == 1; }));
}

// Exactly once across a restart: phase 1, a checkpoint while blocked on the client's first
// gate, phase 2, then a restart from that (older) checkpoint that re-executes phase 2.
[[ppp2p::checkpointable]] long phases(unsigned sink, int per_phase) {
  auto counter = ppp2p::global<long>("steps");
  long total = 0;
  for (int phase = 0; phase < 3; ++phase) {
    for (int i = 0; i < per_phase; ++i) {
      int n = phase * per_phase + i;
      ppp2p::send(sink, n);
      total += counter.update([&](long& c) { return ++c; });
      ppp2p::checkpoint();
    }
    if (phase < 2) {
      ppp2p::send(ppp2p::client, phase);
      total += ppp2p::receive<int>(ppp2p::client); // the gate
    }
  }
  return total;
}

[[ppp2p::checkpointable]] std::vector<int> collect(unsigned from, int count) {
  std::vector<int> got;
  for (int i = 0; i < count; ++i)
    got.push_back(ppp2p::receive<int>(from));
  return got;
}

TEST(ExactlyOnce, ARestartFromAnOlderCheckpointAppliesNothingTwice) {
  const int per_phase = 40;
  ppp2p::VirtualComputer vc({.workers = 2});
  auto sink = vc.spawn(collect, 1u, 3 * per_phase);
  auto vt = vc.spawn(phases, 0u, per_phase);
  EXPECT_EQ(vc.receive<int>(vt.id()), 0); // phase 1 done; blocked on the gate
  ASSERT_TRUE(vt.checkpoint(10s));
  vc.send(vt.id(), 1000);
  EXPECT_EQ(vc.receive<int>(vt.id()), 1); // phase 2 done
  ASSERT_TRUE(ppp2p::testing::restart(vt));
  vc.send(vt.id(), 2000);
  long expected = 1000 + 2000;
  for (long c = 1; c <= 3 * per_phase; ++c)
    expected += c;
  EXPECT_EQ(vt.get(), expected);
  EXPECT_EQ(vt.resumes(), 1u);
  std::vector<int> got = sink.get();
  std::vector<int> want(3 * per_phase);
  std::iota(want.begin(), want.end(), 0);
  EXPECT_EQ(got, want);
  EXPECT_EQ(vc.global<long>("steps").read(), 3 * per_phase);
  EXPECT_FALSE(vc.try_receive<int>()) << "the re-executed phase-2 report reached the client";
}

[[ppp2p::checkpointable]] long consume_then_gate(unsigned from, int count) {
  long sum = 0;
  for (int i = 0; i < count; ++i) {
    int v = ppp2p::receive<int>(from);
    if (v != i)
      throw std::runtime_error("message " + std::to_string(i) + " was " + std::to_string(v));
    sum += v;
  }
  ppp2p::send(ppp2p::client, count);
  return sum + ppp2p::receive<int>(ppp2p::client);
}

TEST(ExactlyOnce, ARestartedReceiverGetsTheSameMessagesAgain) {
  const int count = 300;
  ppp2p::VirtualComputer vc({.workers = 2});
  auto receiver = vc.spawn(consume_then_gate, 1u, count);
  auto producer = vc.spawn(produce, 0u, count);
  ASSERT_EQ(producer.get(), count);
  EXPECT_EQ(vc.receive<int>(), count); // it consumed everything; now it waits for the gate
  // No checkpoint: restarted from its start, all its receives are replays.
  ASSERT_TRUE(ppp2p::testing::restart(receiver));
  vc.send(receiver.id(), 7);
  EXPECT_EQ(receiver.get(), long(count) * (count - 1) / 2 + 7);
  EXPECT_EQ(receiver.resumes(), 1u);
  EXPECT_FALSE(vc.try_receive<int>()) << "the re-executed send reached the client twice";
}

// Waits in receive (a site of the library), then reports whether the next checkpoint()
// returned true, and whether one after it did.
[[ppp2p::checkpointable]] int wait_then_checkpoint() {
  int gate = ppp2p::receive<int>(ppp2p::client);
  int first = ppp2p::checkpoint() ? 1 : 0;
  int second = ppp2p::checkpoint() ? 1 : 0;
  return gate * 100 + first * 10 + second;
}

TEST(ExactlyOnce, CheckpointReturnsTrueOnceAfterAResumeInsideReceive) {
  ppp2p::VirtualComputer vc({.workers = 1});
  auto vt = vc.spawn(wait_then_checkpoint);
  ASSERT_TRUE(vt.checkpoint(10s)); // captured while it waits in receive
  ASSERT_TRUE(ppp2p::testing::restart(vt));
  vc.send(vt.id(), 3);
  EXPECT_EQ(vt.get(), 310) << "first checkpoint() after the resume true, the next false";
  EXPECT_EQ(vt.resumes(), 1u);
  auto fresh = vc.spawn(wait_then_checkpoint);
  vc.send(fresh.id(), 4);
  EXPECT_EQ(fresh.get(), 400) << "without a resume, checkpoint() is false";
}

// Tells the client where it starts, works in steps (each a site), and says where it ends.
struct Moved {
  long sum;
  long pid; // executor_process()
};

// The executor process: its pid and, since an agent's sandbox gives each executor a PID
// namespace of its own (where every executor is pid 2), that namespace.
long executor_process() {
  struct stat ns {};
  long space = stat("/proc/self/ns/pid", &ns) == 0 ? long(ns.st_ino) : 0;
  return (space << 22) ^ long(getpid()); // pids stay below 2^22
}

[[ppp2p::checkpointable]] Moved moves(int steps) {
  ppp2p::send(ppp2p::client, executor_process());
  long sum = 0;
  for (int i = 0; i < steps; ++i) {
    std::this_thread::sleep_for(1ms);
    sum += i;
    ppp2p::checkpoint();
  }
  return {sum, executor_process()};
}

TEST(Migration, AVirtualThreadMovesToAnotherExecutorAndNothingRunsTwice) {
  ppp2p::VirtualComputer vc({.workers = 2, .checkpoint_interval = 0ms});
  auto vt = vc.spawn(moves, 400);
  long before = vc.receive<long>(vt.id());
  std::this_thread::sleep_for(50ms);
  ASSERT_TRUE(vc.migrate(vt.id()));
  Moved r = vt.get();
  EXPECT_EQ(r.sum, 400L * 399 / 2);
  EXPECT_NE(r.pid, before) << "it ended in another executor process";
  EXPECT_EQ(vt.resumes(), 1u);
  EXPECT_FALSE(vc.try_receive<long>()) << "the send before the capture was not re-sent";
  EXPECT_FALSE(vc.migrate(vt.id())) << "an ended VT does not move";
}

// Receives `count` numbers from `from`, checking their order, a site after each, and counts
// every hundredth in a global: slow enough to be moved while messages are on their way.
[[ppp2p::checkpointable]] long consume_slowly(unsigned from, int count) {
  long sum = 0;
  for (int i = 0; i < count; ++i) {
    int v = ppp2p::receive<int>(from);
    if (v != i)
      throw std::runtime_error("message " + std::to_string(i) + " was " + std::to_string(v));
    sum += v;
    if (i % 100 == 99)
      ppp2p::global<long>("hundreds").update([](long& h) { ++h; });
    if (i % 10 == 0)
      std::this_thread::sleep_for(1ms);
    ppp2p::checkpoint();
  }
  return sum;
}

TEST(Migration, AReceiverMovedTwiceWhileMessagesAreInFlightTakesEachOnceInOrder) {
  ppp2p::VirtualComputer vc({.workers = 2, .checkpoint_interval = 0ms});
  const int count = 3000;
  auto consumer = vc.spawn(consume_slowly, 1u, count);
  auto producer = vc.spawn(produce, 0u, count);
  std::this_thread::sleep_for(30ms);
  ASSERT_TRUE(vc.migrate(consumer.id()));
  std::this_thread::sleep_for(30ms);
  ASSERT_TRUE(vc.migrate(consumer.id())) << "it ended before its second move";
  EXPECT_EQ(consumer.get(), long(count) * (count - 1) / 2);
  EXPECT_EQ(producer.get(), count);
  EXPECT_EQ(consumer.resumes(), 2u);
  EXPECT_EQ(vc.global<long>("hundreds").read(), count / 100) << "an update applied twice or lost";
  EXPECT_FALSE(vc.try_receive<int>());
}

TEST(Migration, AVirtualThreadMovesToTheWorkerItIsSentTo) {
  ppp2p::VirtualComputer vc({.workers = 3, .slots_per_worker = 2, .checkpoint_interval = 0ms});
  ASSERT_EQ(vc.peers().size(), 3u);
  std::vector<ppp2p::VirtualThread<Moved>> vts;
  std::vector<long> pids;
  for (int i = 0; i < 3; ++i) {
    vts.push_back(vc.spawn(moves, i == 0 ? 1500 : 300));
    pids.push_back(vc.receive<long>(vts.back().id()));
  }
  auto& a = vts[0];
  std::size_t b = pids[1] != pids[0] ? 1 : 2;
  ASSERT_NE(pids[b], pids[0]) << "three VTs on three workers, two of them on one";
  ASSERT_TRUE(vts[b].checkpoint(10s));
  std::string target = vts[b].peer();
  auto names = vc.peers();
  EXPECT_NE(std::find(names.begin(), names.end(), target), names.end()) << target;

  EXPECT_FALSE(vc.migrate(a.id(), "no such worker")) << "an unknown worker is refused";
  EXPECT_EQ(a.resumes(), 0u) << "and the VT was not stopped";
  ASSERT_TRUE(vc.migrate(a.id(), target));
  EXPECT_FALSE(vc.migrate(a.id(), target)) << "it is there already";
  Moved r = a.get();
  EXPECT_EQ(r.sum, 1500L * 1499 / 2);
  EXPECT_EQ(r.pid, pids[b]) << "it ended in the executor of the chosen worker";
  EXPECT_EQ(a.resumes(), 1u);
  EXPECT_EQ(a.peer(), target);
  for (std::size_t i = 1; i < vts.size(); ++i)
    EXPECT_EQ(vts[i].get().sum, 300L * 299 / 2);
}

// Takes two numbers from the client, one at a time.
[[ppp2p::checkpointable]] int two_numbers() {
  int first = ppp2p::receive<int>(ppp2p::client);
  int second = ppp2p::receive<int>(ppp2p::client);
  return first * 10 + second;
}

TEST(ExactlyOnce, ADamagedCheckpointThatArrivesIsIgnoredAndThePreviousOneKept) {
  ppp2p::VirtualComputer vc({.workers = 1, .checkpoint_interval = 0ms});
  auto vt = vc.spawn(two_numbers);
  vc.send(vt.id(), 4);
  ASSERT_TRUE(vt.checkpoint(10s)); // a good one, in one of the receives
  ppp2p::testing::damage_next_checkpoint(vt);
  EXPECT_FALSE(vt.checkpoint(1s)) << "a damaged checkpoint must not count as taken";
  EXPECT_EQ(ppp2p::testing::damaged_checkpoints(vt), 1u);
  // Resumed from the stored checkpoint: had the damaged one replaced it, the resume would
  // fail with a snapshot_error (see the next test).
  ASSERT_TRUE(ppp2p::testing::restart(vt));
  vc.send(vt.id(), 5);
  EXPECT_EQ(vt.get(), 45);
  EXPECT_EQ(vt.resumes(), 1u);
  EXPECT_EQ(ppp2p::testing::damaged_checkpoints(vt), 1u);
}

TEST(ExactlyOnce, ADamagedCheckpointFailsTheResumeClearlyInsteadOfStartingAfresh) {
  ppp2p::VirtualComputer vc({.workers = 1, .checkpoint_interval = 0ms});
  auto vt = vc.spawn(wait_then_checkpoint);
  ASSERT_TRUE(vt.checkpoint(10s));
  ASSERT_TRUE(ppp2p::testing::damage_checkpoint(vt));
  ASSERT_TRUE(ppp2p::testing::restart(vt));
  vc.send(vt.id(), 3); // a VT started afresh would take it and return 300
  try {
    int r = vt.get();
    FAIL() << "the resume should fail, got " << r;
  } catch (const ppp2p::remote_error& e) {
    EXPECT_NE(e.type_name().find("snapshot_error"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos) << e.what();
  }
}
