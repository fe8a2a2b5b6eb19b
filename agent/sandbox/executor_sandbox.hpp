// The executor sandbox (Linux): every executor an agent starts runs inside bubblewrap (Debian
// package bubblewrap, the sandbox Flatpak uses) instead of directly as the agent's child.
//
//  - namespaces: user (no further ones inside: --disable-userns), mount, PID, IPC, UTS, cgroup
//    and network (loopback only, so no network at all: the executor talks to its agent over
//    the Unix socket it inherits);
//  - a root of its own: /usr (and the /lib, /bin links into it) read-only, the loader's cache,
//    a private /proc, a minimal /dev, a private tmpfs /tmp and nothing else: no home, no data
//    dir, no cluster key, no module cache. The module itself is a read-only copy made from the
//    descriptor whose SHA-256 the agent checked right before (--ro-bind-data);
//  - a cleared environment (PATH and the executor's own variables only);
//  - no capabilities, no new privileges, the seccomp filter of seccomp_filter.hpp;
//  - limits (rlimits): address space and open files from the start, processes and threads set
//    inside the sandbox's user namespace (so that they count this executor's only). When the
//    agent runs as root, each executor also runs as a user id of its own (kDynamicUidBase + n,
//    like systemd's DynamicUser): the kernel does not apply process limits to root.
// bwrap exits with 128 + N when the module was killed by signal N; unwrap() turns that back
// into the signal, and SIGSYS means the seccomp filter killed it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ppp2p/net/child_process.hpp"

namespace ppp2p::agent::sandbox {

struct SandboxOptions {
  std::uint64_t memory_bytes = 0; // address space per executor; 0: the machine's memory
  unsigned processes = 0;         // processes and threads per executor; 0: 4096 + 4 per slot
  unsigned open_files = 1024;
  std::vector<std::string> read_only; // more host paths to show read-only (e.g. /opt/lib)
};

class ExecutorSandbox {
public:
  static constexpr long kDynamicUidBase = 0x50500000; // 1347420160: far from real users

  /// Finds bwrap, compiles the seccomp filter and starts one trial sandbox (/usr/bin/true):
  /// null with `error` saying what is missing or what bwrap said.
  static std::unique_ptr<ExecutorSandbox> create(SandboxOptions options, std::string& error);

  /// How to start the module open at `module_fd` (checked by the caller) in a sandbox, with
  /// `env` as its whole environment and `fds` mapped as ChildOptions::fds (numbers 3..9).
  /// The returned options own descriptors of their own (closed by the caller after spawn:
  /// `close_after_spawn`).
  struct Launch {
    net::ChildOptions options;
    std::vector<int> close_after_spawn;
  };
  /// `memory_bytes`: the VC's limit, used where below the agent's (0: the agent's).
  std::optional<Launch> prepare(int module_fd, unsigned slots, std::uint64_t memory_bytes,
                                const std::vector<std::string>& env,
                                std::vector<std::pair<int, int>> fds, std::string& error);

  /// The module's end as the sandbox reports it (bwrap exits 128 + N for signal N).
  static net::ExitStatus unwrap(net::ExitStatus bwrap_status);
  /// True when the seccomp filter killed the module.
  static bool violated(const net::ExitStatus& module_status);

  /// One line for the agent's log: what the sandbox is made of.
  std::string describe() const;

private:
  ExecutorSandbox() = default;
  std::vector<std::string> arguments(unsigned slots, const std::vector<std::string>& env,
                                     int seccomp_fd, int module_fd) const;
  unsigned processes_for(unsigned slots) const;
  SandboxOptions options_; // memory_bytes resolved (0 becomes the machine's memory)
  std::string bwrap_;
  std::vector<std::byte> seccomp_;
  std::vector<std::string> root_view_; // bwrap arguments that build the root
  bool own_uids_ = false;              // the agent is root: an id per executor
  unsigned next_uid_ = 0;
};

} // namespace ppp2p::agent::sandbox
