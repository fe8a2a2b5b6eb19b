#include <gtest/gtest.h>

#include <vector>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/loop.hpp"
#include "ppp2p/net/sync_wait.hpp"
#include "ppp2p/net/task_scope.hpp"
#include "ppp2p/net/timer.hpp"

using namespace ppp2p::net;

TEST(Timer, SleepsFireInDeadlineOrder) {
  Loop loop;
  TaskScope scope;
  std::vector<int> order;
  for (int d : {30, 10, 20}) {
    scope.spawn([](Loop& l, int delay, std::vector<int>& out) -> task<void> {
      co_await sleep_for(l, Millis{delay});
      out.push_back(delay);
    }(loop, d, order));
  }
  sync_wait(loop, scope.join());
  EXPECT_EQ(order, (std::vector<int>{10, 20, 30}));
  EXPECT_EQ(loop.open_handles(), 0u);
}

TEST(Timer, WaitReportsFired) {
  Loop loop;
  Timer t(loop);
  auto r = sync_wait(loop, [](Timer& timer) -> task<Result<void>> {
    co_return co_await timer.wait(Millis{1});
  }(t));
  EXPECT_TRUE(r.ok());
}

TEST(Timer, CancelResumesTheWaiterWithCancelled) {
  Loop loop;
  Timer t(loop);
  Timer canceller(loop);
  canceller.start(Millis{1}, [&] { t.cancel(); });
  auto r = sync_wait(loop, [](Timer& timer) -> task<Result<void>> {
    co_return co_await timer.wait(Millis{60'000});
  }(t));
  EXPECT_EQ(r.error(), errc::cancelled);
}

TEST(Timer, DestroyingTheTimerResumesTheWaiterFromTheLoop) {
  Loop loop;
  auto t = std::make_unique<Timer>(loop);
  Timer killer(loop);
  killer.start(Millis{1}, [&] { t.reset(); });
  auto r = sync_wait(loop, [](Timer& timer) -> task<Result<void>> {
    co_return co_await timer.wait(Millis{60'000});
  }(*t));
  EXPECT_EQ(r.error(), errc::cancelled);
}

TEST(Timer, CallbackRepeatsUntilCancelled) {
  Loop loop;
  Timer t(loop);
  int ticks = 0;
  t.start(
      Millis{1},
      [&] {
        if (++ticks == 5)
          t.cancel();
      },
      Millis{1});
  loop.run();
  EXPECT_EQ(ticks, 5);
  EXPECT_FALSE(t.pending());
}

TEST(Timer, CallbackMayRestartItsOwnTimer) {
  Loop loop;
  Timer t(loop);
  int ticks = 0;
  std::function<void()> again = [&] {
    if (++ticks < 3)
      t.start(Millis{1}, again);
  };
  t.start(Millis{1}, again);
  loop.run();
  EXPECT_EQ(ticks, 3);
}
