// PeerConnection: what a VirtualComputer talks to. Two implementations:
//  - the embedded peer (embedded_peer.cpp): executor processes on this machine, started and
//    fed by the client process itself; used when PPP2P_AGENT is not set;
//  - the agent connection (agent_connection.cpp): the local ppp2p-runtime, found through
//    PPP2P_AGENT (its data dir), which deploys the VC on peers of the cluster.
// Both deliver the same events; the client library above them does not know which it has.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ppp2p::detail {

using VtNumber = std::uint32_t;

struct VcRequest {
  unsigned workers = 0;          // quota; 0: one per core of this machine (embedded)
  unsigned slots_per_worker = 1; // VTs a worker runs at once
  double min_speed = 0;          // placement hint: peers slower than this are not enrolled
  std::chrono::milliseconds enrol_timeout{10000};
  std::string module_path;            // the executable: the module every worker runs
  bool balance_load = false;          // the deployer may suggest moving VTs to idle faster workers
  unsigned replicas = 0;              // workers besides a VT's own that keep its newest checkpoint
  std::uint64_t memory_limit_mib = 0; // per executor on sandboxed agents; 0: the agent's
};

struct SpawnRequest {
  VtNumber vt = 0;
  std::uint64_t entry = 0;    // module offset of the type-erased caller
  std::uint64_t function = 0; // module offset of the checkpointable function
  std::vector<std::byte> args;
  /// Set: resume this checkpoint of the VT (effect: its effect counter there) instead of
  /// calling the function; receives up to replay_through re-take what they took before.
  std::optional<std::vector<std::byte>> snapshot;
  std::uint64_t effect = 0;
  std::uint64_t replay_through = 0;
  /// A migration: placed on another worker than `avoid` (a VtEvent::peer) if one can take it,
  /// or on worker `to` if it is still enrolled (it waits there for a free slot).
  std::string avoid;
  std::string to;
  /// Between agents only: no snapshot; resume from the worker's replica of checkpoint `effect`.
  bool from_replica = false;
};

struct VtEvent {
  // rebalance: a suggestion to move the VT to worker `peer` (VcRequest::balance_load).
  // blocked, unblocked: the VT waits for a message, a send window or a global, or goes on; a
  // blocked VT does not count against its worker's slots (workers and deployers only).
  enum class Kind : std::uint8_t {
    result,
    failure,
    partial,
    message_frame,
    checkpoint,
    rebalance,
    blocked,
    unblocked
  };
  enum class Failure : std::uint8_t {
    exception,
    cancelled,
    refused,
    crashed,
    lost,
    sandbox_violation, // the worker's sandbox killed its executor (a forbidden system call)
  };
  Kind kind = Kind::result;
  Failure failure = Failure::exception;
  VtNumber vt = 0;
  std::vector<std::byte> value; // result or partial (codec-encoded), message frame, snapshot
  std::uint64_t effect = 0;     // partial, checkpoint: the VT's effect number (messages.fbs)
  std::string type;             // failure: exception type; partial: typeid name
  std::string what;             // failure: message
  std::string peer;             // where it ran, for messages ("embedded executor 1234", ...)
};

/// Called from any thread, in order per VT.
using EventHandler = std::function<void(VtEvent&&)>;

class PeerConnection {
public:
  virtual ~PeerConnection() = default; // cancels what runs and releases the workers
  /// Thread-safe; never blocks for long. The VT runs when a worker slot is free.
  virtual void spawn(SpawnRequest request) = 0;
  virtual void cancel(VtNumber vt) = 0;
  /// Asks the VT to capture itself at its next site; a checkpoint event follows.
  virtual void capture(VtNumber vt) = 0;
  /// A message frame for the VT, delivered in order after its Run; dropped if the VT is
  /// not placed on a worker (the owner sends again what matters when it is).
  virtual void to_vt(VtNumber vt, std::vector<std::byte> frame) = 0;
  /// Workers enrolled now.
  virtual unsigned workers() const = 0;
  /// Their names, as VtEvent::peer and SpawnRequest::to name them.
  virtual std::vector<std::string> worker_names() const = 0;
};

/// Throws ppp2p::error if the executors cannot be started.
std::unique_ptr<PeerConnection> open_embedded_peer(const VcRequest& request, EventHandler events);

/// Throws ppp2p::error naming the problem if the agent cannot be reached or refuses.
std::unique_ptr<PeerConnection> open_agent_connection(const std::string& agent_data_dir,
                                                      const VcRequest& request,
                                                      EventHandler events);

} // namespace ppp2p::detail
