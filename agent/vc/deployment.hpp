// Deployment: the deployer's side of one virtual computer, owned by the agent of its client.
//
// - Enrolment requestor: asks as many live members as the quota lacks, concurrently (fastest
//   first, skipping members slower than min_speed or without free slots, and members that
//   refused lately), and asks others as answers come back negative. The client hears
//   created() when the quota is met, or at the enrolment timeout with whatever enrolled then
//   (refused() if nobody did).
// - Quota maintainer: a worker that dies, leaves, restarts or resigns is dropped (its VTs fail
//   as lost) and the requestor runs again; while the quota is not met it retries every
//   retry_interval and whenever membership changes.
// - Delegator: VTs wait in a queue and go to the worker with the earliest expected completion
//   (delegator.hpp), at most a window per worker. When a created VC has had no worker for an
//   enrolment timeout, what waits fails as lost (and so does what is spawned while it has
//   none), rather than waiting for ever. The queue is bounded (DeploymentConfig).
// - Events from workers go to the client in the order they came, per VT.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "delegator.hpp"
#include "replicas.hpp"
#include "slot_hints.hpp"
#include "vc_env.hpp"

namespace ppp2p::agent::vc {

struct DeploymentConfig {
  Millis retry_interval{1000};   // while below quota, look for candidates again this often
  Millis refused_cooldown{5000}; // a member that refused is not asked again for this long
  // What waits for a worker: beyond either bound a spawn is refused, naming the bound, and a
  // queued VT whose held messages would pass the bytes fails (its client spawns or sends far
  // faster than the workers take VTs; the agent serves other clients too).
  std::size_t max_queued_vts = 1'000'000;
  std::size_t max_queued_bytes = std::size_t{1} << 30; // arguments, snapshots, held messages
};

struct DeploymentStatus {
  VcId vc = 0;
  std::string module;
  unsigned quota = 0;
  unsigned workers = 0;         // enrolled
  unsigned enrolling = 0;       // asked, no answer yet
  std::size_t queued = 0;       // VTs waiting for a worker
  std::size_t queued_bytes = 0; // their arguments, snapshots and held messages
  std::size_t placed = 0;       // VTs on workers
  std::uint64_t spawned = 0;
  std::uint64_t finished = 0;
  // Plain counters for the agent's metrics and dashboard (they never steer anything).
  std::uint64_t resumed = 0;          // spawns that resume a checkpoint (or replay from start)
  std::uint64_t migrated = 0;         // spawns that move a VT (avoid / to a worker)
  std::uint64_t lost = 0;             // VTs failed as lost (worker gone, no worker)
  std::uint64_t checkpoint_bytes = 0; // snapshot bytes that came from workers
};

class Deployment {
public:
  struct Module {
    ModuleHash hash{};
    std::uint64_t size = 0;
  };

  Deployment(VcEnvironment env, VcId id, detail::VcRequest request, Module module,
             ClientSink& client, SlotHints& hints, DeploymentConfig cfg = {});
  Deployment(const Deployment&) = delete;
  Deployment& operator=(const Deployment&) = delete;
  ~Deployment();

  // Starts enrolling.
  void start();
  // From the client.
  void spawn(SpawnRequest request);
  void cancel(VtNumber vt);
  // Relayed to the VT's worker after its Spawn; kept while the VT waits for a worker, dropped
  // when it is not (or no longer) in this deployment.
  void capture(VtNumber vt);
  void to_vt(VtNumber vt, std::vector<std::byte> frame);
  // The client is done: workers are released, nothing more is reported.
  void release();

  // From workers (routed by VcNode).
  void on_event(const std::string& from, VtEvent&& event);
  void on_resign(const std::string& from, const std::string& reason);
  void on_replica_kept(const std::string& from, VtNumber vt, std::uint64_t effect);
  // A member is gone (dead, left, restarted): if it was a worker, its VTs are lost.
  void on_member_gone(const std::string& address, const std::string& why);
  // Membership changed: a chance to fill the quota.
  void on_cluster_changed();

  VcId id() const noexcept { return id_; }
  const Module& module() const noexcept { return module_; }
  bool released() const noexcept { return released_; }
  unsigned workers() const noexcept { return enrolled_; }
  std::vector<std::string> enrolled_names() const;
  // Whether address is an enrolled worker.
  bool has_worker(const std::string& address) const;
  DeploymentStatus status() const;

private:
  struct Worker {
    bool enrolled = false;
    unsigned slots = 0;
    double speed = 0;
    std::uint64_t order = 0; // enrolment order, for ties
    std::size_t outstanding = 0;
    std::size_t blocked = 0; // of the outstanding: waiting for a message or a global
  };
  struct Vt {
    SpawnRequest request;      // args dropped once placed
    std::string worker;        // empty while queued
    std::uint64_t placed = 0;  // placement sequence number, once placed
    bool blocked = false;      // its worker says it waits for a message or a global
    std::vector<Message> held; // Capture and ToVt that came while queued, in order
  };

  using WorkerRefs = std::vector<std::map<std::string, Worker>::iterator>;

  // What a queued VT holds, as counted against max_queued_bytes.
  static std::size_t held_bytes(const Vt& v);
  static std::size_t held_bytes(const Message& m);

  // The enrolled workers, in address order; their loads, in the same order.
  WorkerRefs enrolled_workers();
  static std::vector<WorkerLoad> loads_of(const WorkerRefs& refs);
  void fill_quota();
  void enrol(const Candidate& c);
  void on_enrol_reply(const std::string& address, net::Result<net::ByteView> reply);
  void enrolment_deadline();
  void drop_worker(const std::string& address, const std::string& why);
  void report_workers();
  void place();
  // The worker (an index into refs) for a queued VT, or nullopt if it must wait; from_replica:
  // that worker keeps the checkpoint the VT resumes from.
  std::optional<std::size_t> worker_for(const SpawnRequest& r, const WorkerRefs& refs,
                                        const std::vector<WorkerLoad>& loads,
                                        bool& from_replica) const;
  // balance_load: suggests to the client moving a VT from a much slower worker to each idle one.
  void suggest_moves();
  // A checkpoint of a VT from its worker: copies go to the replica holders.
  void replicate(const std::string& host, const VtEvent& checkpoint);
  // A Capture or ToVt for the VT's worker; held while the VT waits for one.
  void relay(VtNumber vt, Message&& message);
  void finish(VtEvent&& event);
  void arm_retry();
  void check_starving();
  void starved();

  VcEnvironment env_;
  VcId id_;
  detail::VcRequest request_;
  Module module_;
  ClientSink& client_;
  SlotHints& hints_;
  DeploymentConfig cfg_;
  unsigned quota_ = 0;
  unsigned enrolled_ = 0;
  bool created_ = false;
  bool released_ = false;
  std::map<std::string, Worker> workers_; // enrolled or asked
  std::map<std::string, Millis> refused_at_;
  std::map<std::string, std::string> refusals_; // address -> why, for the refusal message
  std::unordered_map<VtNumber, Vt> vts_;
  std::deque<VtNumber> queue_;
  std::size_t queued_bytes_ = 0; // held_bytes of the VTs in queue_
  std::uint64_t next_order_ = 0;
  std::uint64_t placements_ = 0;
  Replicas replicas_;
  std::set<VtNumber> suggested_; // each VT is suggested a move once
  // Per idle worker, the VT suggested to move there and when: no other is suggested for it
  // until that one is placed there, or a while has passed.
  std::map<std::string, std::pair<VtNumber, Millis>> moving_to_;
  std::uint64_t spawned_ = 0, finished_ = 0;
  std::uint64_t resumed_ = 0, migrated_ = 0, lost_ = 0, checkpoint_bytes_ = 0;
  std::unordered_set<VtNumber> may_resume_; // ended lost or crashed: a new spawn resumes it
  net::membership::TimerId deadline_timer_ = 0, retry_timer_ = 0, starving_timer_ = 0;
  bool starved_ = false; // no worker for an enrolment timeout: spawns fail at once
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace ppp2p::agent::vc
