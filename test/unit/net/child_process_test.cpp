// ChildProcess: exit statuses, signals, exec failures, descriptor passing, and that a child
// whose owner is gone is killed and reaped.
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <sys/socket.h>
#include <unistd.h>

#include "net_test_util.hpp"
#include "ppp2p/net/child_process.hpp"
#include "ppp2p/net/error.hpp"
#include "ppp2p/net/pipe.hpp"

using namespace ppp2p::net;
using ppp2p::net::testing::run_until;

namespace {

ChildOptions shell(const std::string& script) {
  ChildOptions o;
  o.program = "/bin/sh";
  o.args = {"-c", script};
  o.env = {"PATH=/usr/bin:/bin"};
  return o;
}

std::optional<ExitStatus> run(Loop& loop, const ChildOptions& o) {
  auto child = ChildProcess::spawn(loop, o);
  EXPECT_TRUE(child.ok()) << child.error().message();
  if (!child)
    return std::nullopt;
  std::optional<ExitStatus> status;
  (*child)->on_exit([&](ExitStatus s) { status = s; });
  EXPECT_TRUE(run_until(loop, [&] { return status.has_value(); }));
  return status;
}

bool process_gone(int pid) {
  return !std::filesystem::exists("/proc/" + std::to_string(pid));
}

} // namespace

TEST(ChildProcess, ReportsTheExitStatus) {
  Loop loop;
  auto s = run(loop, shell("exit 3"));
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->signaled);
  EXPECT_EQ(s->code, 3);
  EXPECT_EQ(s->describe(), "exited with status 3");
}

TEST(ChildProcess, ReportsTheSignalByName) {
  Loop loop;
  auto s = run(loop, shell("kill -SEGV $$"));
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->signaled);
  EXPECT_EQ(s->describe(), "killed by signal 11 (Segmentation fault)");
}

TEST(ChildProcess, AProgramThatCannotBeExecutedIsAnError) {
  Loop loop;
  ChildOptions o;
  o.program = "/nonexistent/program";
  auto child = ChildProcess::spawn(loop, o);
  ASSERT_FALSE(child);
  EXPECT_EQ(child.error(), std::errc::no_such_file_or_directory);
}

TEST(ChildProcess, PassesADescriptorAndTheEnvironment) {
  Loop loop;
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  ChildOptions o = shell("printf '%s' \"$GREETING\" >&3");
  o.env.push_back("GREETING=hello from the child");
  o.fds = {{sv[1], 3}};
  auto child = ChildProcess::spawn(loop, o);
  ASSERT_TRUE(child.ok());
  ::close(sv[1]);
  auto stream = PipeStream::open(loop, sv[0]);
  ASSERT_TRUE(stream.ok());
  auto read_all = [](Stream& s) -> task<std::string> {
    for (;;) {
      auto r = co_await s.fill(s.buffered().size() + 1);
      if (!r)
        break;
    }
    auto b = s.buffered();
    co_return std::string(b.begin(), b.end());
  };
  EXPECT_EQ(sync_wait(loop, read_all(**stream)), "hello from the child");
  (*stream)->close();
}

TEST(ChildProcess, DestroyingTheOwnerKillsAndReapsTheChild) {
  Loop loop;
  auto child = ChildProcess::spawn(loop, shell("exec sleep 30"));
  ASSERT_TRUE(child.ok());
  int pid = (*child)->pid();
  child->reset();
  EXPECT_TRUE(run_until(loop, [&] { return process_gone(pid); }));
}

TEST(ChildProcess, ADetachedChildMayFinishWithinItsGrace) {
  Loop loop;
  auto child = ChildProcess::spawn(loop, shell("sleep 0.2; exit 0"));
  ASSERT_TRUE(child.ok());
  int pid = (*child)->pid();
  (*child)->detach(Millis{5000});
  child->reset();
  EXPECT_TRUE(run_until(loop, [&] { return process_gone(pid); }));
  auto slow = ChildProcess::spawn(loop, shell("exec sleep 30"));
  ASSERT_TRUE(slow.ok());
  pid = (*slow)->pid();
  (*slow)->detach(Millis{100});
  slow->reset();
  EXPECT_TRUE(run_until(loop, [&] { return process_gone(pid); }));
}

TEST(ChildProcess, RunToEndReturnsTheStatusAndWhatWentToStderr) {
  std::string said;
  auto s = ChildProcess::run_to_end(shell("echo out; echo oops >&2; exit 3"), said);
  ASSERT_TRUE(s.ok()) << s.error().message();
  EXPECT_FALSE(s->signaled);
  EXPECT_EQ(s->code, 3);
  EXPECT_EQ(said, "oops\n");
  std::string nothing;
  auto missing = ChildProcess::run_to_end(ChildOptions{.program = "/nonexistent/program"}, nothing);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().value(), ENOENT);
}
