// VcNode: the virtual-computer services of one agent. It owns the deployments of the agent's
// clients and the worker side, routes reliable messages between them and other agents
// (decoding and validating each), serves module chunks to workers, and turns membership news
// (a member dead, left or restarted) into the right ends of enrolments and deployments.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "deployment.hpp"
#include "worker.hpp"

namespace ppp2p::agent::vc {

struct VcNodeStats {
  std::uint64_t messages_invalid = 0; // failed decoding, or sent to the wrong side
  std::uint64_t chunks_served = 0;
};

// The deployments' counters summed over every VC this agent deployed, released ones included
// (the agent's metrics are totals over its lifetime).
struct DeploymentTotals {
  std::uint64_t resumed = 0;
  std::uint64_t migrated = 0;
  std::uint64_t lost = 0;
  std::uint64_t checkpoint_bytes = 0;

  void add(const DeploymentStatus& s);
};

class VcNode {
public:
  VcNode(VcEnvironment env, WorkerConfig worker, DeploymentConfig deployment = {});
  VcNode(const VcNode&) = delete;
  VcNode& operator=(const VcNode&) = delete;
  ~VcNode();

  // For a client of this agent: a new VC deploying `module`; the client hears created() or
  // refused() later.
  VcId create(detail::VcRequest request, Deployment::Module module, ClientSink& client);
  void spawn(VcId vc, SpawnRequest request);
  void cancel(VcId vc, VtNumber vt);
  void capture(VcId vc, VtNumber vt);
  void to_vt(VcId vc, VtNumber vt, std::vector<std::byte> frame);
  // The client is done (or gone): its workers are released and the deployment forgotten.
  void release(VcId vc);
  Deployment* deployment(VcId vc);

  // Membership: the member at address is dead or left (or restarted); `why` is for messages.
  void on_member_gone(const std::string& address, const std::string& why);
  // Membership changed in another way (joined, new free slots): deployments below quota look
  // for workers again.
  void on_cluster_changed();
  // This agent leaves: every deployment is released, every enrolment resigned.
  void shutdown(const std::string& reason);

  WorkerService& worker() noexcept { return worker_; }
  const WorkerService& worker() const noexcept { return worker_; }
  std::vector<DeploymentStatus> deployments() const;
  const VcNodeStats& stats() const noexcept { return stats_; }
  DeploymentTotals deployment_totals() const;

private:
  void on_message(const std::string& from, net::ByteView body);
  void on_request(const std::string& from, net::reliable::Messenger::RequestId id,
                  net::ByteView body);
  void serve_chunk(const std::string& from, net::reliable::Messenger::RequestId id,
                   const FetchChunk& request);

  VcEnvironment env_;
  DeploymentConfig deployment_cfg_;
  WorkerService worker_;
  SlotHints hints_;
  std::map<VcId, std::unique_ptr<Deployment>> deployments_;
  VcNodeStats stats_;
  DeploymentTotals released_totals_; // of the deployments released and forgotten
};

} // namespace ppp2p::agent::vc
