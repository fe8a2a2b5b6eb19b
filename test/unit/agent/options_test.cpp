#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "options.hpp"

using namespace ppp2p::agent;

namespace {

std::variant<Command, UsageError> parse(std::vector<const char*> args) {
  args.insert(args.begin(), "ppp2p-runtime");
  return parse_command_line(static_cast<int>(args.size()), args.data());
}

std::string error_of(std::vector<const char*> args) {
  auto r = parse(std::move(args));
  auto* e = std::get_if<UsageError>(&r);
  return e ? e->message : "";
}

} // namespace

TEST(AgentOptions, RunIsTheDefaultCommand) {
  auto r = parse({"--listen", "127.0.0.1:0", "--data-dir", "/tmp/d", "--cluster-key-file", "k",
                  "--join", "10.0.0.1:7000", "--join=10.0.0.2:7000", "--slots", "3", "--speed",
                  "150.5", "--log-level", "debug", "--advertise", "h:1"});
  auto& o = std::get<RunOptions>(std::get<Command>(r));
  EXPECT_EQ(o.listen, "127.0.0.1:0");
  EXPECT_EQ(o.data_dir, "/tmp/d");
  EXPECT_EQ(o.join, (std::vector<std::string>{"10.0.0.1:7000", "10.0.0.2:7000"}));
  EXPECT_EQ(o.slots, 3u);
  EXPECT_EQ(o.speed, 150.5);
  EXPECT_EQ(o.log_level, "debug");
  EXPECT_EQ(o.advertise, "h:1");
  auto explicit_run = parse({"run", "--listen", "h:1", "--data-dir", "d", "--allow-list", "a"});
  EXPECT_TRUE(std::holds_alternative<RunOptions>(std::get<Command>(explicit_run)));
}

TEST(AgentOptions, StatusTakesADataDirAndJson) {
  auto r = parse({"status", "--data-dir", "/tmp/d", "--json"});
  auto& o = std::get<StatusOptions>(std::get<Command>(r));
  EXPECT_EQ(o.data_dir, "/tmp/d");
  EXPECT_TRUE(o.json);
}

TEST(AgentOptions, KeygenTakesOneFile) {
  auto r = parse({"keygen", "/tmp/cluster.key"});
  EXPECT_EQ(std::get<KeygenOptions>(std::get<Command>(r)).file, "/tmp/cluster.key");
  EXPECT_NE(error_of({"keygen"}).find("keygen needs FILE"), std::string::npos);
  EXPECT_NE(error_of({"keygen", "a", "b"}).find("one FILE"), std::string::npos);
  EXPECT_NE(error_of({"keygen", "--force"}).find("unknown option '--force' for keygen"),
            std::string::npos);
  EXPECT_TRUE(std::holds_alternative<HelpRequest>(std::get<Command>(parse({"keygen", "-h"}))));
}

TEST(AgentOptions, HelpAndVersion) {
  EXPECT_TRUE(std::holds_alternative<HelpRequest>(std::get<Command>(parse({"--help"}))));
  EXPECT_TRUE(std::holds_alternative<HelpRequest>(std::get<Command>(parse({"help"}))));
  EXPECT_TRUE(std::holds_alternative<HelpRequest>(std::get<Command>(parse({"status", "-h"}))));
  EXPECT_TRUE(std::holds_alternative<VersionRequest>(std::get<Command>(parse({"--version"}))));
}

TEST(AgentOptions, HelpMentionsEveryFlag) {
  std::string help = help_text();
  for (const char* flag : {"--listen",
                           "--data-dir",
                           "--cluster-key-file",
                           "--allow-list",
                           "--join",
                           "--slots",
                           "--advertise",
                           "--speed",
                           "--log-level",
                           "--http",
                           "--http-public",
                           "--no-sandbox",
                           "--executor-memory",
                           "--executor-processes",
                           "--sandbox-read-only",
                           "status",
                           "--json",
                           "keygen FILE",
                           "--help",
                           "--version"})
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
}

TEST(AgentOptions, BadInputIsAClearError) {
  EXPECT_NE(error_of({}).find("no command"), std::string::npos);
  EXPECT_NE(error_of({"frob"}).find("unknown command 'frob'"), std::string::npos);
  EXPECT_NE(error_of({"--listen"}).find("--listen needs a value"), std::string::npos);
  EXPECT_NE(error_of({"--listen", "nope", "--data-dir", "d", "--cluster-key-file", "k"})
                .find("HOST:PORT"),
            std::string::npos);
  EXPECT_NE(error_of({"--listen", "h:1", "--data-dir", "d"}).find("--cluster-key-file"),
            std::string::npos);
  EXPECT_NE(error_of({"--listen", "h:1", "--cluster-key-file", "k"}).find("--data-dir"),
            std::string::npos);
  EXPECT_NE(error_of({"--data-dir", "d", "--cluster-key-file", "k"}).find("--listen"),
            std::string::npos);
  EXPECT_NE(
      error_of({"--listen", "h:1", "--listen", "h:2", "--data-dir", "d", "--cluster-key-file", "k"})
          .find("given twice"),
      std::string::npos);
  for (const char* slots : {"-1", "1025", "x", "2.5"})
    EXPECT_NE(error_of({"--listen", "h:1", "--data-dir", "d", "--cluster-key-file", "k", "--slots",
                        slots})
                  .find("--slots"),
              std::string::npos)
        << slots;
  for (const char* speed : {"0", "-3", "nan", "inf", "fast"})
    EXPECT_NE(error_of({"--listen", "h:1", "--data-dir", "d", "--cluster-key-file", "k", "--speed",
                        speed})
                  .find("--speed"),
              std::string::npos)
        << speed;
  EXPECT_NE(error_of({"--listen", "h:1", "--data-dir", "d", "--cluster-key-file", "k",
                      "--log-level", "loud"})
                .find("--log-level"),
            std::string::npos);
  EXPECT_NE(
      error_of({"--listen", "h:1", "--data-dir", "", "--cluster-key-file", "k"}).find("non-empty"),
      std::string::npos);
  EXPECT_NE(error_of({"status"}).find("--data-dir"), std::string::npos);
  EXPECT_NE(error_of({"status", "--data-dir", "d", "--xml"}).find("unknown option '--xml'"),
            std::string::npos);
  EXPECT_NE(error_of({"--listen", "h:1", "stray"}).find("unexpected argument 'stray'"),
            std::string::npos);
}

TEST(AgentOptions, HttpServesOnLoopbackUnlessMadePublic) {
  auto run = [](std::vector<const char*> extra) {
    std::vector<const char*> args{"--listen", "127.0.0.1:0",        "--data-dir",
                                  "d",        "--cluster-key-file", "k"};
    args.insert(args.end(), extra.begin(), extra.end());
    return parse(args);
  };
  for (const char* ok : {"127.0.0.1:9100", "127.1.2.3:0", "localhost:9100", "[::1]:9100"}) {
    auto r = run({"--http", ok});
    ASSERT_TRUE(std::holds_alternative<Command>(r)) << ok;
    const auto& o = std::get<RunOptions>(std::get<Command>(r));
    EXPECT_EQ(o.http, std::string(ok));
    EXPECT_FALSE(o.http_public);
  }
  for (const char* wide : {"0.0.0.0:9100", "10.0.0.5:9100", "127.example.com:80", "[::]:9100"}) {
    auto r = run({"--http", wide});
    auto* e = std::get_if<UsageError>(&r);
    ASSERT_NE(e, nullptr) << wide;
    EXPECT_NE(e->message.find("not a loopback address"), std::string::npos) << e->message;
    EXPECT_NE(e->message.find("--http-public"), std::string::npos) << e->message;
  }
  auto public_ok = run({"--http", "0.0.0.0:9100", "--http-public"});
  ASSERT_TRUE(std::holds_alternative<Command>(public_ok));
  EXPECT_TRUE(std::get<RunOptions>(std::get<Command>(public_ok)).http_public);
  auto alone = run({"--http-public"});
  ASSERT_TRUE(std::holds_alternative<UsageError>(alone));
  EXPECT_NE(std::get<UsageError>(alone).message.find("--http-public needs --http"),
            std::string::npos);
  auto bad = run({"--http", "nope"});
  ASSERT_TRUE(std::holds_alternative<UsageError>(bad));
  EXPECT_NE(std::get<UsageError>(bad).message.find("--http needs HOST:PORT"), std::string::npos);
}

TEST(AgentOptions, SandboxIsOnByDefaultWithLimitsThatCanBeSet) {
  auto run = [](std::vector<const char*> extra) {
    std::vector<const char*> args{"--listen", "127.0.0.1:0",        "--data-dir",
                                  "d",        "--cluster-key-file", "k"};
    args.insert(args.end(), extra.begin(), extra.end());
    return parse(args);
  };
  auto plain = run({});
  const auto& defaults = std::get<RunOptions>(std::get<Command>(plain));
  EXPECT_TRUE(defaults.sandbox);
  EXPECT_EQ(defaults.executor_memory_mib, 0u);
  EXPECT_EQ(defaults.executor_processes, 0u);
  auto limited = run({"--executor-memory", "512", "--executor-processes=64", "--sandbox-read-only",
                      "/opt/lib", "--sandbox-read-only", "/srv/data"});
  const auto& o = std::get<RunOptions>(std::get<Command>(limited));
  EXPECT_EQ(o.executor_memory_mib, 512u);
  EXPECT_EQ(o.executor_processes, 64u);
  EXPECT_EQ(o.sandbox_read_only, (std::vector<std::string>{"/opt/lib", "/srv/data"}));
  auto off = run({"--no-sandbox"});
  EXPECT_FALSE(std::get<RunOptions>(std::get<Command>(off)).sandbox);

  auto message = [&](std::vector<const char*> extra) {
    auto r = run(std::move(extra));
    auto* e = std::get_if<UsageError>(&r);
    return e ? e->message : std::string("(accepted)");
  };
  EXPECT_NE(message({"--executor-memory", "10"}).find("at least 64"), std::string::npos);
  EXPECT_NE(message({"--executor-memory", "1G"}).find("--executor-memory needs MiB"),
            std::string::npos);
  EXPECT_NE(message({"--executor-processes", "3"}).find("at least 16"), std::string::npos);
  EXPECT_NE(message({"--sandbox-read-only", "lib"}).find("absolute path"), std::string::npos);
  EXPECT_NE(message({"--no-sandbox", "--executor-memory", "512"})
                .find("cannot be used with "
                      "--no-sandbox"),
            std::string::npos);
}
