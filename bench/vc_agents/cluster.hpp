// For the benchmarks that need real agents: ppp2p-runtime agents on loopback in a directory of
// their own, killed and removed at the end, and the helpers around them.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace bench {

/// Prints "PROGRAM: why" to stderr and exits with status 1.
[[noreturn]] void fail(const std::string& why);

/// Runs a shell command and returns its stdout.
std::string capture(const std::string& command);

/// PPP2P_AGENT for the VCs created from now on ("" unsets it: the embedded peer).
void use_agent(const std::string& dir);

/// The ppp2p-runtime next to this program.
std::string default_runtime();

/// Where an agent runs: on loopback here (the default), or through a launcher (a command prefix,
/// e.g. `hosts.py exec SET I --`) on another address.
struct AgentPlace {
  std::vector<std::string> launcher;
  std::string listen = "127.0.0.1:0";
  std::string advertise; // empty: the listen address
};

class Cluster {
public:
  Cluster(std::string runtime, const std::filesystem::path& root);
  ~Cluster();
  Cluster(const Cluster&) = delete;
  Cluster& operator=(const Cluster&) = delete;

  /// Starts an agent with `slots` slots and `speed`; returns its data dir. The same name again
  /// (after kill) restarts it on its data dir: the same member, a new incarnation.
  std::string add(const std::string& name, unsigned slots, double speed = 100,
                  const AgentPlace& place = {});
  /// The usual layout: a client agent "home" without slots and `workers` agents "w0", "w1",
  /// ... of `slots` slots each, converged. Returns home's data dir (for PPP2P_AGENT).
  std::string add_home_and_workers(unsigned workers, unsigned slots);
  /// Waits until the agent at dir lists every agent started (and not killed) as alive.
  void converge(const std::string& dir);
  /// SIGKILLs the agent whose process is `pid` (one this cluster started); false if none.
  bool kill(pid_t pid);
  /// SIGSTOPs the agent whose process is `pid`: a hung host, whose port still accepts TCP
  /// connections that nothing answers. It stays in pids() and dies with the cluster.
  bool freeze(pid_t pid);
  /// The agents' processes, in start order (killed ones removed).
  const std::vector<pid_t>& pids() const { return pids_; }

private:
  std::string runtime_;
  std::filesystem::path root_;
  std::string first_;
  std::vector<pid_t> pids_;
  std::size_t agents_ = 0;
};

} // namespace bench
