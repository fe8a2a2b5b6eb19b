#include "options.hpp"

#include <arpa/inet.h>
#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <string_view>

#include "ppp2p/net/address.hpp"

namespace ppp2p::agent {

const char* help_text() {
  return R"(ppp2p-runtime - the ppp2p peer agent (one per machine)

Usage:
  ppp2p-runtime [run] --listen HOST:PORT --data-dir DIR --cluster-key-file FILE
                [--join HOST:PORT]... [--slots N] [--allow-list FILE]
                [--advertise HOST:PORT] [--speed SCORE] [--log-level LEVEL]
                [--http HOST:PORT [--http-public]] [--no-sandbox]
                [--executor-memory MIB] [--executor-processes N]
                [--sandbox-read-only PATH]...
  ppp2p-runtime status --data-dir DIR [--json]
  ppp2p-runtime keygen FILE
  ppp2p-runtime --help | --version

run (the default command) runs the agent in the foreground, logging one line per event to
stderr, until SIGTERM or SIGINT; then it captures the virtual threads it runs (at most 3 s,
so that their virtual computers resume them elsewhere from there), announces that it leaves
the cluster and exits 0. A second signal exits at once.
Programs on this machine run virtual computers on the cluster through it when PPP2P_AGENT=DIR
is in their environment (they talk to it over DIR/client.sock).

Options of run:
  --listen HOST:PORT       where to accept other agents; port 0 picks a free port, which is
                           written to DIR/address once the agent listens
  --data-dir DIR           the agent's directory, created with mode 0700 if missing: identity
                           key pair (created on first start), lock, address, status and client
                           sockets, module cache (modules/)
  --cluster-key-file FILE  the cluster key every member has (make one with keygen): exactly
                           32 bytes, or 64 hex digits and an optional newline, mode 0600 (a
                           file group or others can read is refused); peers that do not
                           know it are refused
  --allow-list FILE        a file of hex public keys (DIR/identity.pub of each member), one
                           per line, '#' starts a comment; only these may connect. Use with
                           or instead of --cluster-key-file (at least one of the two)
  --join HOST:PORT         an agent to join the cluster through; repeat for several. Omit it
                           for the first agent. Any member can be the entry point
  --slots N                VT slots this agent lends to virtual computers, 0..1024 (default:
                           cores); 0 for a machine that only deploys its own programs' VTs
  --advertise HOST:PORT    the address other agents should use to reach this one (default:
                           the --listen address; required when listening on 0.0.0.0 or ::)
  --speed SCORE            advertise SCORE instead of running the start-up CPU benchmark
  --log-level LEVEL        trace, debug, info (default), warn, error or off
  --http HOST:PORT         serve, over plain HTTP without authentication, /metrics
                           (Prometheus text), /status.json (members with addresses, speeds,
                           slots and loads; VCs deployed here with their module hashes and VT
                           counts; enrolments; recent events) and / (a dashboard page). Only a
                           loopback address (127.0.0.0/8, ::1, localhost) unless --http-public;
                           port 0 picks a free port, logged at start
  --http-public            allow --http on any address: whoever reaches it reads all of the
                           above (nothing there changes the agent)
  --no-sandbox             run executors (the VTs' code, from any member holding the cluster
                           key) as plain child processes with this agent's user, files,
                           network and environment. Default: each executor runs in a sandbox
                           (bubblewrap): no network, a read-only /usr and private /tmp only,
                           a cleared environment, a seccomp filter, limits below, and, when
                           the agent runs as root, a user id of its own (1347420160 + n)
  --executor-memory MIB    address space of each sandboxed executor (default: the machine's
                           memory); allocations beyond it fail (std::bad_alloc in the VT)
  --executor-processes N   processes and threads per sandboxed executor (default: 4096 + 4
                           per slot); fork and thread creation beyond it fail. A VT blocked
                           in receive holds a thread: raise it for more blocked VTs than that
  --sandbox-read-only PATH also show PATH read-only to executors (e.g. libraries outside /usr
                           that programs link); repeat for several

Options of status:
  --data-dir DIR           the data dir of the running agent to ask (over DIR/status.sock)
  --json                   print {"self": {...}, "peers": [...], "vcs": [...], ...} instead
                           of a table

keygen FILE writes a new cluster key to FILE: 32 random bytes, mode 0600, written to a
temporary file that is synced and renamed, so a crash never leaves a partial key. It refuses
to overwrite an existing FILE. Give every member a copy, mode 0600 too.

Other:
  -h, --help               this text
  --version                the version

Exit status: 0 success; 1 the agent could not start or run (unusable port, unreadable or
refused key, another agent on DIR), status found no agent, or keygen could not write FILE
(it exists); 2 bad command line.
)";
}

namespace {

// Flags that take a value, and whether they may repeat.
const std::map<std::string_view, bool>& run_flags() {
  static const std::map<std::string_view, bool> flags{{"--listen", false},
                                                      {"--data-dir", false},
                                                      {"--cluster-key-file", false},
                                                      {"--allow-list", false},
                                                      {"--join", true},
                                                      {"--slots", false},
                                                      {"--advertise", false},
                                                      {"--speed", false},
                                                      {"--log-level", false},
                                                      {"--http", false},
                                                      {"--executor-memory", false},
                                                      {"--executor-processes", false},
                                                      {"--sandbox-read-only", true}};
  return flags;
}

UsageError error(std::string msg) {
  return {std::move(msg) + " (see --help)"};
}

std::optional<UsageError> check_address(std::string_view flag, const std::string& value) {
  if (!net::parse_host_port(value))
    return error(std::string(flag) + " needs HOST:PORT with a port in 0..65535, got '" + value +
                 "'");
  return std::nullopt;
}

// Loopback by its text: an IPv4 address in 127.0.0.0/8, ::1 or localhost (a name such as
// 127.example.com is not: it may resolve anywhere).
bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1")
    return true;
  in_addr a{};
  return ::inet_pton(AF_INET, host.c_str(), &a) == 1 && (ntohl(a.s_addr) >> 24) == 127;
}

std::variant<Command, UsageError> parse_run(const std::vector<std::string_view>& args) {
  RunOptions o;
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::string_view flag = arg, value;
    bool inline_value = false;
    if (auto eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inline_value = true;
    }
    if (arg == "--http-public") { // the flags without a value
      o.http_public = true;
      continue;
    }
    if (arg == "--no-sandbox") {
      o.sandbox = false;
      continue;
    }
    auto known = run_flags().find(flag);
    if (known == run_flags().end())
      return error(arg.starts_with("-") ? "unknown option '" + std::string(flag) + "'"
                                        : "unexpected argument '" + std::string(arg) + "'");
    if (!known->second && !seen.insert(flag).second)
      return error(std::string(flag) + " given twice");
    if (!inline_value) {
      if (i + 1 >= args.size())
        return error(std::string(flag) + " needs a value");
      value = args[++i];
    }
    std::string v(value);
    if (v.empty())
      return error(std::string(flag) + " needs a non-empty value");
    if (flag == "--listen") {
      if (auto e = check_address(flag, v))
        return *e;
      o.listen = v;
    } else if (flag == "--advertise") {
      if (auto e = check_address(flag, v))
        return *e;
      o.advertise = v;
    } else if (flag == "--join") {
      if (auto e = check_address(flag, v))
        return *e;
      o.join.push_back(v);
    } else if (flag == "--http") {
      if (auto e = check_address(flag, v))
        return *e;
      o.http = v;
    } else if (flag == "--data-dir") {
      o.data_dir = v;
    } else if (flag == "--cluster-key-file") {
      o.cluster_key_file = v;
    } else if (flag == "--allow-list") {
      o.allow_list_file = v;
    } else if (flag == "--slots") {
      unsigned n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc{} || end != v.data() + v.size() || n > 1024)
        return error("--slots needs a whole number in 0..1024, got '" + v + "'");
      o.slots = n;
    } else if (flag == "--executor-memory") {
      std::uint64_t mib = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), mib);
      if (ec != std::errc{} || end != v.data() + v.size() || mib < 64 || mib > (1ull << 30))
        return error("--executor-memory needs MiB, a whole number of at least 64, got '" + v + "'");
      o.executor_memory_mib = mib;
    } else if (flag == "--executor-processes") {
      unsigned n = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc{} || end != v.data() + v.size() || n < 16 || n > 1000000)
        return error("--executor-processes needs a whole number of at least 16, got '" + v + "'");
      o.executor_processes = n;
    } else if (flag == "--sandbox-read-only") {
      if (v[0] != '/')
        return error("--sandbox-read-only needs an absolute path, got '" + v + "'");
      o.sandbox_read_only.push_back(v);
    } else if (flag == "--speed") {
      double s = 0;
      auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
      if (ec != std::errc{} || end != v.data() + v.size() || !std::isfinite(s) || s <= 0 || s > 1e6)
        return error("--speed needs a positive number, got '" + v + "'");
      o.speed = s;
    } else if (flag == "--log-level") {
      static const std::set<std::string_view> levels{"trace", "debug", "info",
                                                     "warn",  "error", "off"};
      if (!levels.contains(v))
        return error("--log-level needs one of trace, debug, info, warn, error, off; got '" + v +
                     "'");
      o.log_level = v;
    }
  }
  if (o.listen.empty())
    return error("run needs --listen HOST:PORT");
  if (o.data_dir.empty())
    return error("run needs --data-dir DIR");
  if (o.http_public && !o.http)
    return error("--http-public needs --http HOST:PORT");
  if (o.http && !o.http_public && !is_loopback(net::parse_host_port(*o.http)->host))
    return error("--http " + *o.http +
                 " is not a loopback address: the HTTP server has no authentication and shows "
                 "the cluster's members, VCs and events to whoever reaches it. Use "
                 "127.0.0.1:PORT, or add --http-public to serve it on that address anyway");
  if (!o.sandbox && (o.executor_memory_mib || o.executor_processes || !o.sandbox_read_only.empty()))
    return error("--executor-memory, --executor-processes and --sandbox-read-only are limits of "
                 "the sandbox; they cannot be used with --no-sandbox");
  if (!o.cluster_key_file && !o.allow_list_file)
    return error("run needs --cluster-key-file FILE (or --allow-list FILE)");
  return Command{std::move(o)};
}

std::variant<Command, UsageError> parse_status(const std::vector<std::string_view>& args) {
  StatusOptions o;
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "--json") {
      o.json = true;
    } else if (arg == "--data-dir" || arg.starts_with("--data-dir=")) {
      std::string_view value;
      if (arg == "--data-dir") {
        if (i + 1 >= args.size())
          return error("--data-dir needs a value");
        value = args[++i];
      } else {
        value = arg.substr(std::string_view("--data-dir=").size());
      }
      if (value.empty())
        return error("--data-dir needs a non-empty value");
      o.data_dir = std::string(value);
    } else {
      return error(arg.starts_with("-") ? "unknown option '" + std::string(arg) + "' for status"
                                        : "unexpected argument '" + std::string(arg) + "'");
    }
  }
  if (o.data_dir.empty())
    return error("status needs --data-dir DIR");
  return Command{std::move(o)};
}

std::variant<Command, UsageError> parse_keygen(const std::vector<std::string_view>& args) {
  if (args.empty())
    return error("keygen needs FILE, the key file to create");
  if (args.size() > 1)
    return error("keygen takes one FILE, got '" + std::string(args[1]) + "' too");
  if (args[0].starts_with("-"))
    return error("unknown option '" + std::string(args[0]) + "' for keygen");
  if (args[0].empty())
    return error("keygen needs a non-empty FILE");
  return Command{KeygenOptions{std::string(args[0])}};
}

} // namespace

std::variant<Command, UsageError> parse_command_line(int argc, const char* const* argv) {
  std::vector<std::string_view> args(argv + 1, argv + argc);
  if (!args.empty() && args.front() == "help")
    return Command{HelpRequest{}};
  for (std::string_view a : args) {
    if (a == "-h" || a == "--help")
      return Command{HelpRequest{}};
    if (a == "--version")
      return Command{VersionRequest{}};
  }
  if (args.empty())
    return error("no command or options given");
  if (args.front() == "status")
    return parse_status({args.begin() + 1, args.end()});
  if (args.front() == "keygen")
    return parse_keygen({args.begin() + 1, args.end()});
  if (args.front() == "run")
    return parse_run({args.begin() + 1, args.end()});
  if (!args.front().starts_with("-"))
    return error("unknown command '" + std::string(args.front()) + "'");
  return parse_run(args);
}

} // namespace ppp2p::agent
