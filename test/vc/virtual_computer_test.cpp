// Virtual computers on the embedded peer (executor processes on this machine): results, ids,
// partial results, failures, crashes, cancellation, release. Built with the plugin; the test
// binary is itself the module its executors run.
#include <ppp2p/ppp2p.hpp>

#include "deliberate_crashes.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;

namespace {

struct Step {
  int index;
  std::string label;
};

struct Summary {
  std::string name;
  std::vector<int> values;
  std::map<std::string, int> counts;
};

} // namespace

[[ppp2p::checkpointable]] long triangle(long n) {
  long total = 0;
  for (long i = 1; i <= n; ++i) {
    total += i;
    ppp2p::checkpoint();
  }
  return total;
}

[[ppp2p::checkpointable]] Summary summarise(std::string name, std::vector<int> values) {
  Summary out{name, values, {}};
  for (int v : values)
    out.counts[std::to_string(v % 3)] += v;
  return out;
}

[[ppp2p::checkpointable]] int steps(int count) {
  for (int i = 0; i < count; ++i) {
    ppp2p::report(Step{i, "step " + std::to_string(i)});
    ppp2p::checkpoint();
  }
  return count;
}

// A large partial result: its number and 64 KiB of data.
struct Chunk {
  int index;
  std::vector<char> data;
};

[[ppp2p::checkpointable]] int reports_chunks(int count) {
  for (int i = 0; i < count; ++i)
    ppp2p::report(Chunk{i, std::vector<char>(64 * 1024, char('a' + i % 26))});
  return count;
}

[[ppp2p::checkpointable]] unsigned whoami(int) {
  return ppp2p::self();
}

[[ppp2p::checkpointable]] int throws(int code) {
  if (code > 0)
    throw std::out_of_range("code " + std::to_string(code));
  return code;
}

[[ppp2p::checkpointable]] unsigned nested_computer(unsigned workers) {
  ppp2p::VirtualComputer inner({.workers = workers});
  return inner.workers();
}

[[ppp2p::checkpointable]] int segfaults(int x) {
  if (x > 0) {
    volatile int* nowhere = nullptr;
    *nowhere = x;
  }
  return x;
}

// Sleeps `steps` milliseconds in steps, each a site; returns the sum 0 + 1 + ... + steps-1.
[[ppp2p::checkpointable]] long counts_slowly(int steps) {
  long sum = 0;
  for (int i = 0; i < steps; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    sum += i;
    ppp2p::checkpoint();
  }
  return sum;
}

// Segfaults unless `marker` exists, which it creates first: crashes its first run only.
[[ppp2p::checkpointable]] int crashes_once(std::string marker) {
  if (std::FILE* f = std::fopen(marker.c_str(), "r")) {
    std::fclose(f);
    return 1;
  }
  if (std::FILE* f = std::fopen(marker.c_str(), "w"))
    std::fclose(f);
  return segfaults(1);
}

[[ppp2p::checkpointable]] long spins(long start) {
  long k = start;
  for (;;) {
    ++k;
    ppp2p::checkpoint();
    if (k < start)
      return k; // never: only a cancellation ends it
  }
}

int not_checkpointable(int x) {
  return x;
}

TEST(VirtualComputer, RunsVirtualThreadsAndReturnsTheirResults) {
  ppp2p::VirtualComputer vc({.workers = 2});
  EXPECT_EQ(vc.workers(), 2u);
  std::vector<ppp2p::VirtualThread<long>> vts;
  for (long n = 0; n < 10; ++n)
    vts.push_back(vc.spawn(triangle, n * 100));
  for (long n = 0; n < 10; ++n) {
    EXPECT_EQ(vts[std::size_t(n)].id(), unsigned(n)) << "ids are dense, in spawn order";
    EXPECT_EQ(vts[std::size_t(n)].get(), n * 100 * (n * 100 + 1) / 2);
  }
}

TEST(VirtualComputer, MovesCodecTypesBothWays) {
  ppp2p::VirtualComputer vc({.workers = 1});
  auto vt = vc.spawn(summarise, std::string("set"), std::vector<int>{1, 2, 3, 4, 5, 6});
  Summary s = vt.get();
  EXPECT_EQ(s.name, "set");
  EXPECT_EQ(s.values, (std::vector<int>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(s.counts, (std::map<std::string, int>{{"0", 9}, {"1", 5}, {"2", 7}}));
}

TEST(VirtualComputer, SelfIsTheVirtualThreadsId) {
  ppp2p::VirtualComputer vc({.workers = 2});
  auto a = vc.spawn(whoami, 0);
  auto b = vc.spawn(whoami, 0);
  EXPECT_EQ(a.get(), a.id());
  EXPECT_EQ(b.get(), b.id());
  EXPECT_THROW(ppp2p::self(), ppp2p::error) << "outside a virtual thread";
}

TEST(VirtualComputer, PartialResultsArriveInOrderBeforeTheResult) {
  ppp2p::VirtualComputer vc({.workers = 1});
  auto vt = vc.spawn(steps, 200);
  std::vector<int> seen;
  // Registered after spawning: those reported before are delivered first, in order.
  std::this_thread::sleep_for(20ms);
  vt.on_partial<Step>([&](const Step& step) {
    EXPECT_EQ(step.label, "step " + std::to_string(step.index));
    seen.push_back(step.index);
  });
  EXPECT_EQ(vt.get(), 200);
  ASSERT_EQ(seen.size(), 200u) << "every partial is delivered before get() returns";
  for (int i = 0; i < 200; ++i)
    EXPECT_EQ(seen[std::size_t(i)], i);
}

TEST(VirtualComputer, PartialResultsNoHandlerTakesKeepOnlyTheNewestSixteenMiB) {
  ppp2p::VirtualComputer vc({.workers = 1});
  auto vt = vc.spawn(reports_chunks, 400); // 25 MiB of partials, no handler while it runs
  EXPECT_EQ(vt.get(), 400);
  std::vector<int> seen;
  std::size_t bytes = 0;
  vt.on_partial<Chunk>([&](const Chunk& chunk) {
    EXPECT_EQ(chunk.data.size(), 64u * 1024);
    EXPECT_EQ(chunk.data.back(), char('a' + chunk.index % 26));
    seen.push_back(chunk.index);
    bytes += chunk.data.size();
  });
  ASSERT_TRUE(vt.wait_for(10s)) << "the kept partials are delivered to the new handler";
  EXPECT_GT(vt.partials_dropped(), 0u);
  ASSERT_EQ(seen.size() + vt.partials_dropped(), 400u) << "each partial is kept or counted";
  ASSERT_FALSE(seen.empty());
  EXPECT_LE(bytes, std::size_t(16) << 20);
  EXPECT_GT(bytes, std::size_t(15) << 20) << "the newest that fit are kept";
  for (std::size_t i = 0; i < seen.size(); ++i)
    EXPECT_EQ(seen[i], int(vt.partials_dropped() + i)) << "the oldest went first, in order";
}

TEST(VirtualComputer, ReportOutsideAVirtualThreadDoesNothing) {
  EXPECT_EQ(steps(3), 3);
}

TEST(VirtualComputer, AnExceptionComesBackAsRemoteError) {
  ppp2p::VirtualComputer vc({.workers = 1});
  auto vt = vc.spawn(throws, 7);
  try {
    vt.get();
    FAIL() << "get() should throw";
  } catch (const ppp2p::remote_error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::remote_exception);
    EXPECT_EQ(e.type_name(), "std::out_of_range");
    EXPECT_EQ(e.remote_what(), "code 7");
    EXPECT_NE(e.peer().find("executor"), std::string::npos) << e.peer();
  }
  EXPECT_EQ(vc.spawn(throws, 0).get(), 0) << "the executor survives a throwing VT";
}

TEST(VirtualComputer, AVirtualThreadCannotCreateAVirtualComputerOfItsOwn) {
  // It would start executors of its own, level after level.
  ppp2p::VirtualComputer vc({.workers = 1});
  try {
    vc.spawn(nested_computer, 2u).get();
    FAIL() << "get() should throw";
  } catch (const ppp2p::remote_error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::remote_exception);
    EXPECT_NE(e.remote_what().find("cannot create a virtual computer"), std::string::npos)
        << e.remote_what();
  }
  EXPECT_EQ(vc.spawn(triangle, 4l).get(), 10) << "the executor survives it";
}

TEST(VirtualComputer, AnExecutorCrashFailsItsVirtualThreadsNamingTheSignal) {
  ppp2p::VirtualComputer vc({.workers = 2});
  auto vt = vc.spawn(segfaults, 1);
  try {
    vt.get();
    FAIL() << "get() should throw";
  } catch (const ppp2p::remote_error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::executor_crashed);
    EXPECT_NE(e.remote_what().find("signal 11"), std::string::npos) << e.what();
    EXPECT_NE(e.remote_what().find("crashed 3 times since it started, so it is not resumed"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(vt.resumes(), 2u) << "resumed after the first two crashes";
  EXPECT_EQ(vc.spawn(triangle, 10L).get(), 55) << "the other workers still run VTs";
  // The quota maintainer replaces the lost worker.
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (vc.workers() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  EXPECT_EQ(vc.workers(), 2u);
}

TEST(VirtualComputer, VirtualThreadsOfACrashedExecutorAreResumed) {
  std::string marker = ::testing::TempDir() + "ppp2p-crash-once-" + std::to_string(getpid());
  std::remove(marker.c_str());
  ppp2p::VirtualComputer vc({.workers = 1, .slots_per_worker = 2});
  auto bystander = vc.spawn(counts_slowly, 300);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto crasher = vc.spawn(crashes_once, marker);
  EXPECT_EQ(crasher.get(), 1) << "the second run, after the crash, returns";
  EXPECT_EQ(crasher.resumes(), 1u);
  EXPECT_EQ(bystander.get(), 300L * 299 / 2) << "resumed after the crash of its executor";
  EXPECT_EQ(bystander.resumes(), 1u);
  std::remove(marker.c_str());
}

TEST(VirtualComputer, CancelStopsAVirtualThreadAtItsNextSite) {
  ppp2p::VirtualComputer vc({.workers = 1});
  auto vt = vc.spawn(spins, 0L);
  EXPECT_FALSE(vt.wait_for(50ms));
  vt.cancel();
  EXPECT_TRUE(vt.wait_for(10s));
  try {
    vt.get();
    FAIL() << "get() should throw";
  } catch (const ppp2p::remote_error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::vt_cancelled);
  }
  EXPECT_EQ(vc.spawn(triangle, 4L).get(), 10) << "the slot is free again";
}

TEST(VirtualComputer, ReleasingTheComputerEndsWhatStillRuns) {
  std::vector<ppp2p::VirtualThread<long>> vts;
  {
    ppp2p::VirtualComputer vc({.workers = 2});
    vts.push_back(vc.spawn(spins, 0L));
    vts.push_back(vc.spawn(spins, 5L));
    EXPECT_FALSE(vts[0].wait_for(20ms));
  }
  for (auto& vt : vts) {
    EXPECT_TRUE(vt.wait_for(0ms));
    EXPECT_THROW(vt.get(), ppp2p::remote_error);
  }
}

TEST(VirtualComputer, OnlyCheckpointableFunctionsCanBeSpawned) {
  ppp2p::VirtualComputer vc({.workers = 1});
  try {
    vc.spawn(not_checkpointable, 1);
    FAIL() << "spawn should refuse";
  } catch (const ppp2p::error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::spawn_refused);
    EXPECT_NE(std::string(e.what()).find("checkpointable"), std::string::npos);
  }
}

TEST(VirtualComputer, SlotsRunVirtualThreadsSideBySide) {
  ppp2p::VirtualComputer vc({.workers = 1, .slots_per_worker = 2});
  auto a = vc.spawn(spins, 0L);
  auto b = vc.spawn(triangle, 3L);
  EXPECT_EQ(b.get(), 6) << "a second slot runs while the first is busy";
  a.cancel();
  EXPECT_THROW(a.get(), ppp2p::remote_error);
}
