// The command line of ppp2p-runtime.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ppp2p::agent {

struct RunOptions {
  std::string listen; // HOST:PORT
  std::optional<std::string> advertise;
  std::vector<std::string> join; // HOST:PORT each
  std::filesystem::path data_dir;
  std::optional<std::filesystem::path> cluster_key_file;
  std::optional<std::filesystem::path> allow_list_file;
  std::optional<unsigned> slots; // default: the number of cores
  std::optional<double> speed;   // default: measured at start
  std::string log_level = "info";
  std::optional<std::string> http; // HOST:PORT of the observability server (metrics, dashboard)
  bool http_public = false;        // --http may name a non-loopback address
  bool sandbox = true;             // executors in agent/sandbox's sandbox (--no-sandbox: not)
  std::uint64_t executor_memory_mib = 0;      // address space per executor; 0: the machine's
  unsigned executor_processes = 0;            // 0: 4096 + 4 per slot
  std::vector<std::string> sandbox_read_only; // more paths executors may read
};

struct StatusOptions {
  std::filesystem::path data_dir;
  bool json = false;
};

// `keygen FILE`: write a new cluster key.
struct KeygenOptions {
  std::filesystem::path file;
};

struct HelpRequest {};
struct VersionRequest {};

using Command = std::variant<RunOptions, StatusOptions, KeygenOptions, HelpRequest, VersionRequest>;

struct UsageError {
  std::string message;
};

// Parses argv; every problem is a UsageError whose message says what was wrong.
std::variant<Command, UsageError> parse_command_line(int argc, const char* const* argv);

// The --help text: every command and flag.
const char* help_text();

} // namespace ppp2p::agent
