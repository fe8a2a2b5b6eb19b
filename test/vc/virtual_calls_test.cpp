// Checkpointable virtual functions called through a base move with the virtual thread (what
// moves is in the oracle's virtual_calls too); an override the plugin never saw makes the
// capture fail naming the call, never a resume that skips it.
#include "split_worker.hpp"
#include "unplugged_override.hpp"

#include <ppp2p/ppp2p.hpp>
#include <ppp2p/testing.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

class Account {
public:
  explicit Account(long balance) : balance_(balance) {}
  virtual ~Account() = default;
  [[ppp2p::checkpointable]] virtual long apply_month(int month) = 0;
  long balance() const { return balance_; }

protected:
  long balance_;
};

class Savings : public Account {
public:
  using Account::Account;
  long apply_month(int month) override {
    for (int day = 0; day < 30; ++day) {
      std::this_thread::sleep_for(std::chrono::microseconds(20));
      balance_ += (balance_ * 3 + month + day) % 97;
      ppp2p::checkpoint();
    }
    return balance_;
  }
};

class Checking : public Account {
public:
  using Account::Account;
  long apply_month(int month) override {
    for (int day = 0; day < 30; ++day) {
      std::this_thread::sleep_for(std::chrono::microseconds(20));
      balance_ -= (month * 7 + day) % 13;
      ppp2p::checkpoint();
    }
    return balance_;
  }
};

[[ppp2p::checkpointable]] long run_bank(int months) {
  std::vector<std::unique_ptr<Account>> accounts;
  accounts.push_back(std::make_unique<Savings>(1000));
  accounts.push_back(std::make_unique<Checking>(5000));
  accounts.push_back(std::make_unique<Savings>(20));
  long checksum = 0;
  for (int month = 1; month <= months; ++month)
    for (const auto& account : accounts)
      checksum = (checksum * 31 + account->apply_month(month)) % 1000000007;
  return checksum;
}

} // namespace

TEST(VirtualCalls, AVirtualThreadInsideAVirtualCallThroughABaseMovesAndResumesThere) {
  long expected = run_bank(6);
  ppp2p::VirtualComputer vc({.workers = 2});
  auto vt = vc.spawn(run_bank, 6);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(vt.migrate(std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_TRUE(vt.migrate(std::chrono::seconds(10))) << "a second hop";
  EXPECT_EQ(vt.get(), expected);
  EXPECT_EQ(vt.resumes(), 2u);
}

TEST(VirtualCalls, EverySnapshotTakenInsideVirtualCallsResumesToTheSameResult) {
  long expected = run_bank(2);
  auto recording = ppp2p::testing::record(run_bank, 2);
  EXPECT_EQ(recording.result, expected);
  // 2 months x 3 accounts x 30 days: a checkpoint() reached only through a vtable each day.
  ASSERT_EQ(recording.snapshots.size(), 180u);
  for (std::size_t i = 0; i < recording.snapshots.size(); i += 17)
    EXPECT_EQ(ppp2p::testing::resume<long>(recording.snapshots[i], run_bank, 2), expected)
        << "snapshot " << i;
}

long settle(long value) {
  ppp2p::checkpoint();
  return value + 3;
}

[[ppp2p::checkpointable]] long through_unplugged(long value) {
  std::unique_ptr<Stage> stage = make_unplugged_stage();
  return stage->advance(value);
}

TEST(VirtualCalls, AnOverrideCompiledWithoutThePluginFailsTheCaptureNamingTheCall) {
  EXPECT_EQ(through_unplugged(4), 12) << "it runs as plain C++";
  try {
    ppp2p::testing::record(through_unplugged, 4L);
    ADD_FAILURE() << "a capture through an override the plugin never saw succeeded";
  } catch (const ppp2p::error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::capture_failed);
    std::string what = e.what();
    EXPECT_NE(what.find("the virtual call in `through_unplugged(long)`"), std::string::npos)
        << what;
    EXPECT_NE(what.find("`settle(long)` runs below it"), std::string::npos) << what;
    EXPECT_NE(what.find("compiled without the ppp2p plugin"), std::string::npos) << what;
  }
}

[[ppp2p::checkpointable]] long through_second_base(long from) {
  SplitWorker worker;
  SplitRunner& runner = worker;
  return runner.run(from); // by the this-adjusting thunk this unit emits
}

TEST(VirtualCalls, AnInlineOverrideReachedByAThunkMovesWhicheverUnitsDescriptorTheRuntimeKept) {
  SplitWorker plain;
  long expected = run_split_worker_directly(plain, 9);
  auto recording = ppp2p::testing::record(through_second_base, 9L);
  EXPECT_EQ(recording.result, expected);
  ASSERT_EQ(recording.snapshots.size(), 5u) << "a capture at each checkpoint() inside run()";
  for (const ppp2p::Snapshot& snapshot : recording.snapshots)
    EXPECT_EQ(ppp2p::testing::resume<long>(snapshot, through_second_base, 9L), expected);
}
