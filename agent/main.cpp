// ppp2p-runtime: the peer agent. See `ppp2p-runtime --help` and net/README.md.
#include <cstdio>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "agent.hpp"
#include "cluster_key_file.hpp"
#include "options.hpp"
#include "status_server.hpp"

namespace {

template <class... Ts> struct Overloaded : Ts... { using Ts::operator()...; };

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("ppp2p");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace); // one line per event, visible at once
  spdlog::set_default_logger(logger);
}

} // namespace

int main(int argc, char** argv) {
  using namespace ppp2p::agent;
  auto parsed = parse_command_line(argc, argv);
  if (auto* e = std::get_if<UsageError>(&parsed)) {
    std::fprintf(stderr, "ppp2p-runtime: %s\n", e->message.c_str());
    return 2;
  }
  return std::visit(
      Overloaded{
          [](const HelpRequest&) {
            std::fputs(help_text(), stdout);
            return 0;
          },
          [](const VersionRequest&) {
            std::puts("ppp2p-runtime " PPP2P_VERSION);
            return 0;
          },
          [](const StatusOptions& o) { return run_status_command(o.data_dir.string(), o.json); },
          [](const KeygenOptions& o) { return run_keygen(o.file); },
          [](const RunOptions& o) {
            setup_logging(o.log_level);
            return run_agent(o);
          },
      },
      std::get<Command>(parsed));
}
