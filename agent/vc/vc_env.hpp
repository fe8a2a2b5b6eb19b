// What the virtual-computer logic (deployer, worker) needs from its agent, as small interfaces:
// the cluster as membership sees it, the module cache, executor processes, and the client
// a deployment reports to. The agent implements them over Swim, files and child processes
// (agent.cpp, file_module_store, process_executor, client_server); the simulation in
// test/unit/vc implements them in memory, so the logic runs unchanged in both.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "deploy_messages.hpp"
#include "ppp2p/net/membership/env.hpp"
#include "ppp2p/net/reliable/messenger.hpp"

namespace ppp2p::agent::vc {

using net::Millis;

// A live member that could be asked to enrol.
struct Candidate {
  std::string address;
  double speed = 0;        // speed score (100 = one core of the reference machine)
  unsigned free_slots = 0; // as it last advertised
};

class ClusterView {
public:
  virtual ~ClusterView() = default;
  // Members alive now, this agent included.
  virtual std::vector<Candidate> live_members() const = 0;
};

// Receives a module's bytes; commit() checks them against the hash.
class ModuleWriter {
public:
  virtual ~ModuleWriter() = default; // abandons what was written unless committed
  virtual bool write(std::uint64_t offset, net::ByteView bytes, std::string& error) = 0;
  // Verifies the SHA-256 of everything written and makes the module available; false (with
  // error naming both hashes) when it does not match: the bytes are thrown away.
  virtual bool commit(std::string& error) = 0;
};

class ModuleStore {
public:
  virtual ~ModuleStore() = default;
  // The executable file of a cached module.
  virtual std::optional<std::string> path_of(const ModuleHash& hash) = 0;
  virtual std::optional<std::uint64_t> size_of(const ModuleHash& hash) = 0;
  // Reads [offset, offset + length) of a cached module (less at its end).
  virtual bool read(const ModuleHash& hash, std::uint64_t offset, std::uint32_t length,
                    net::Bytes& out, std::string& error) = 0;
  virtual std::unique_ptr<ModuleWriter> create(const ModuleHash& hash, std::uint64_t size,
                                               std::string& error) = 0;
  // Drops a cached module found damaged (it no longer matches its hash): fetched again later.
  virtual void forget(const ModuleHash& hash) = 0;
};

// One executor process (executor.fbs) running VTs of one module.
class Executor {
public:
  virtual ~Executor() = default; // stops and kills it; no callback afterwards
  virtual void run(const SpawnRequest& request) = 0;
  virtual void cancel(VtNumber vt) = 0;
  // Asks the VT to capture itself at its next site (a checkpoint event follows).
  virtual void capture(VtNumber vt) = 0;
  // A message frame for a VT whose Run was sent.
  virtual void to_vt(VtNumber vt, const std::vector<std::byte>& frame) = 0;
  virtual int pid() const = 0;
};

// What an executor runs, and with which limits.
struct ExecutorSpec {
  std::string module_path;
  ModuleHash module{};
  unsigned slots = 1;
  std::uint64_t memory_limit_bytes = 0; // the VC's; 0 or above the agent's: the agent's
};

// Why an executor could not be started.
struct ExecutorStartError {
  std::string what;
  bool module_damaged = false; // the cached file does not match the module's hash
};

// How an executor ended.
struct ExecutorEnd {
  std::string why;                // "executor killed by signal 11 (...)"
  bool sandbox_violation = false; // the sandbox killed it for a forbidden system call
};

struct ExecutorCallbacks {
  std::function<void()> started;              // ready for run()
  std::function<void(VtEvent&& event)> event; // result, failure, partial, message frame, checkpoint
  std::function<void(ExecutorEnd end)> exited;
};

class ExecutorFactory {
public:
  virtual ~ExecutorFactory() = default;
  // Starts an executor of spec.module_path, whose SHA-256 must be spec.module. nullptr (and
  // error) when it cannot even be started, or the file is not that module; otherwise exactly
  // one of started/exited comes first.
  virtual std::unique_ptr<Executor> start(const ExecutorSpec& spec, ExecutorCallbacks callbacks,
                                          ExecutorStartError& error) = 0;
};

// A deployment's client (the client socket's session, or a test).
class ClientSink {
public:
  virtual ~ClientSink() = default;
  /// `workers`: the enrolled workers' names (the addresses that VtEvent::peer names).
  virtual void created(VcId vc, const std::vector<std::string>& workers) = 0;
  virtual void refused(const std::string& reason) = 0;
  virtual void workers_changed(const std::vector<std::string>& workers) = 0;
  virtual void event(VtEvent&& event) = 0;
};

struct VcEnvironment {
  net::membership::Clock& clock;
  net::membership::Timers& timers;
  net::membership::Random& random;
  net::reliable::Messenger& messenger;
  ClusterView& cluster;
  ModuleStore& modules;
  ExecutorFactory& executors;
};

} // namespace ppp2p::agent::vc
