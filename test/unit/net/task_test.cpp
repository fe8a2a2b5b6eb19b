#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "ppp2p/net/loop.hpp"
#include "ppp2p/net/sync_wait.hpp"
#include "ppp2p/net/task.hpp"
#include "ppp2p/net/task_scope.hpp"
#include "ppp2p/net/timer.hpp"

using namespace ppp2p::net;

namespace {

task<int> forty_two() {
  co_return 42;
}

task<std::string> greet(std::string who) {
  co_return "hello " + who;
}

task<int> add_later(Loop& loop, int a, int b) {
  co_await sleep_for(loop, Millis{1});
  co_return a + b;
}

task<void> throws() {
  throw std::runtime_error("boom");
  co_return;
}

task<int> depth(int n) {
  if (n == 0)
    co_return 0;
  co_return 1 + co_await depth(n - 1);
}

task<long> sum_sync_loop(int n) {
  long total = 0;
  for (int i = 0; i < n; ++i)
    total += co_await forty_two();
  co_return total;
}

} // namespace

TEST(Task, ReturnsItsValue) {
  Loop loop;
  EXPECT_EQ(sync_wait(loop, forty_two()), 42);
  EXPECT_EQ(sync_wait(loop, greet("world")), "hello world");
}

TEST(Task, IsLazyUntilAwaited) {
  Loop loop;
  bool started = false;
  auto body = [&]() -> task<void> {
    started = true;
    co_return;
  };
  task<void> t = body();
  EXPECT_FALSE(started);
  sync_wait(loop, std::move(t));
  EXPECT_TRUE(started);
}

TEST(Task, ResumesAfterAsynchronousWork) {
  Loop loop;
  EXPECT_EQ(sync_wait(loop, add_later(loop, 2, 3)), 5);
  EXPECT_EQ(loop.open_handles(), 0u);
}

TEST(Task, RethrowsExceptionsInTheAwaiter) {
  Loop loop;
  EXPECT_THROW(sync_wait(loop, throws()), std::runtime_error);
}

TEST(Task, SymmetricTransferKeepsLongSynchronousLoopsOffTheStack) {
  // Each co_await of an already-finished-on-start task would nest a resume() without
  // symmetric transfer; a million of them would overflow the stack.
  Loop loop;
  EXPECT_EQ(sync_wait(loop, sum_sync_loop(1'000'000)), 42'000'000L);
}

TEST(Task, DeepRecursionCompletes) {
  Loop loop;
  EXPECT_EQ(sync_wait(loop, depth(10'000)), 10'000);
}

TEST(Task, DestroyingAnUnstartedTaskIsFine) {
  auto t = greet("nobody");
  EXPECT_TRUE(t.valid());
  EXPECT_FALSE(t.done());
}

TEST(SyncWait, ReportsALoopThatRunsOutOfWork) {
  Loop loop;
  Timer never(loop);
  auto stuck = [&]() -> task<void> {
    struct Forever {
      bool await_ready() const noexcept { return false; }
      void await_suspend(std::coroutine_handle<>) const noexcept {}
      void await_resume() const noexcept {}
    };
    co_await Forever{};
  };
  EXPECT_THROW(sync_wait(loop, stuck()), std::logic_error);
}

TEST(TaskScope, JoinWaitsForAllSpawnedTasks) {
  Loop loop;
  TaskScope scope;
  int finished = 0;
  for (int i = 0; i < 10; ++i) {
    scope.spawn([](Loop& l, int delay, int& done) -> task<void> {
      co_await sleep_for(l, Millis{delay});
      ++done;
    }(loop, i % 3, finished));
  }
  EXPECT_EQ(scope.active(), 10u);
  sync_wait(loop, scope.join());
  EXPECT_EQ(finished, 10);
  EXPECT_EQ(scope.active(), 0u);
}

TEST(TaskScope, SpawnRunsSynchronousTasksToCompletionAtOnce) {
  Loop loop;
  TaskScope scope;
  int n = 0;
  scope.spawn([](int& x) -> task<void> {
    ++x;
    co_return;
  }(n));
  EXPECT_EQ(n, 1);
  EXPECT_EQ(scope.active(), 0u);
  sync_wait(loop, scope.join());
}

TEST(TaskScope, JoinRethrowsTheFirstEscapedException) {
  Loop loop;
  TaskScope scope;
  scope.spawn(throws());
  EXPECT_THROW(sync_wait(loop, scope.join()), std::runtime_error);
}

TEST(TaskScope, ErrorHandlerTakesExceptions) {
  Loop loop;
  TaskScope scope;
  int errors = 0;
  scope.on_error([&](std::exception_ptr) { ++errors; });
  scope.spawn(throws());
  scope.spawn(throws());
  sync_wait(loop, scope.join());
  EXPECT_EQ(errors, 2);
}
