// A deterministic simulation of agents running virtual computers: each node has a VcNode with
// a reliable Messenger over SimLinks, an in-memory module store (SHA-256 checked), simulated
// executors whose VTs follow a small program in their arguments, and a membership view the
// test controls (kill() declares a member dead after a detection delay, as SWIM would).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim_links.hpp"
#include "vc_node.hpp"

namespace ppp2p::agent::vc::sim {

using ppp2p::testing::SimClock;
using ppp2p::testing::SimLinks;
using ppp2p::testing::SimWorld;

// What a simulated VT does; encoded as its arguments.
// barrier: the VT blocks (as in a receive, holding no slot) until `value` barrier VTs have
// begun over all executors, then computes.
enum class Op : std::uint8_t {
  compute = 0,
  throws = 1,
  crash = 2,
  until_cancelled = 3,
  barrier = 4
};
struct Program {
  Op op = Op::compute;
  std::uint32_t work_ms = 10; // at speed 100
  std::uint32_t value = 0;    // a compute VT returns value * 2
  std::uint32_t partials = 0; // reported before the result: 1, 2, ...
};
std::vector<std::byte> args_of(const Program& p);
std::uint32_t result_of(const VtEvent& e);   // the value of a result event
std::vector<std::byte> u32(std::uint32_t v); // 4 bytes, as result_of reads them

class MemoryModules final : public ModuleStore {
public:
  std::optional<std::string> path_of(const ModuleHash& hash) override;
  void forget(const ModuleHash& hash) override { stored.erase(hash); }
  std::optional<std::uint64_t> size_of(const ModuleHash& hash) override;
  bool read(const ModuleHash& hash, std::uint64_t offset, std::uint32_t length, net::Bytes& out,
            std::string& error) override;
  std::unique_ptr<ModuleWriter> create(const ModuleHash& hash, std::uint64_t size,
                                       std::string& error) override;
  void put(const ModuleHash& hash, net::Bytes bytes) { stored[hash] = std::move(bytes); }

  std::map<ModuleHash, net::Bytes> stored;
  bool tamper = false; // serve altered bytes
};

class SimExecutors final : public ExecutorFactory {
public:
  SimExecutors(SimWorld& world, double speed) : world_(world), speed_(speed) {}
  std::unique_ptr<Executor> start(const ExecutorSpec& spec, ExecutorCallbacks callbacks,
                                  ExecutorStartError& error) override;

  bool fail_start = false;
  std::uint64_t starts = 0;
  std::uint64_t runs = 0;
  std::size_t live = 0;    // executors not destroyed
  std::size_t running = 0; // VTs running now, over all executors
  std::size_t max_running = 0;
  std::size_t max_unblocked = 0; // VTs running and not blocked, in one executor at once
  static inline std::uint32_t barrier_arrived = 0; // barrier VTs begun, over every node
  std::uint64_t frames_for_unknown = 0; // message frames or captures for a VT not run here
  std::vector<std::pair<VtNumber, std::vector<std::byte>>> resumed; // VTs run from a snapshot

private:
  friend class SimExecutor;
  SimWorld& world_;
  double speed_;
};

struct NodeOptions {
  unsigned slots = 2;
  double speed = 100;
  DeploymentConfig deployment = {};
};

// A client of one node's deployer: records what it hears.
struct Client final : ClientSink {
  void created(VcId vc, const std::vector<std::string>& names) override {
    id = vc;
    workers = unsigned(names.size());
    worker_names = names;
  }
  void refused(const std::string& reason) override { refusal = reason; }
  void workers_changed(const std::vector<std::string>& names) override {
    workers = unsigned(names.size());
    worker_names = names;
    changes.push_back(workers);
  }
  void event(VtEvent&& e) override {
    if (e.kind == VtEvent::Kind::result || e.kind == VtEvent::Kind::failure)
      finals[e.vt] = e;
    events.push_back(std::move(e));
  }
  std::optional<VcId> id;
  unsigned workers = 0;
  std::vector<std::string> worker_names;
  std::optional<std::string> refusal;
  std::vector<unsigned> changes;
  std::vector<VtEvent> events;
  std::map<VtNumber, VtEvent> finals;
};

class Cluster {
public:
  explicit Cluster(std::uint64_t seed);
  ~Cluster();

  std::size_t add(NodeOptions options = {});
  VcNode& vc(std::size_t i) { return *nodes_.at(i)->vc; }
  MemoryModules& modules(std::size_t i) { return nodes_.at(i)->modules; }
  SimExecutors& executors(std::size_t i) { return *nodes_.at(i)->executors; }
  const std::string& address(std::size_t i) const { return links.address(i); }
  bool alive(std::size_t i) const { return nodes_.at(i)->alive; }

  // A module of `size` bytes offered by node i (as its client socket would).
  Deployment::Module publish(std::size_t i, std::size_t size);
  // Creates a VC on node i for client.
  VcId create(std::size_t i, Client& client, detail::VcRequest request, Deployment::Module m);

  // Hands a frame to node `to`'s messenger as if node `from` had sent it (for fuzzing).
  void deliver(std::size_t from, std::size_t to, net::ByteView frame) {
    if (nodes_.at(to)->vc)
      nodes_[to]->messenger->on_frame(address(from), frame);
  }

  // Node i leaves gracefully: it resigns from what it works for, then stops; the others hear
  // that it left a little later.
  void leave(std::size_t i);

  // Crashes node i; after `detection`, every other node hears that it is dead.
  void kill(std::size_t i, Millis detection = Millis{2500});
  // Nodes a and b stop hearing each other (both keep running); after `detection` each one's
  // membership declares the other dead, as SWIM on each side of a partition would.
  void partition(std::size_t a, std::size_t b, Millis detection = Millis{2500});

  SimWorld world;
  SimLinks links;
  Millis gossip_delay{50}; // until the others hear of a member's new free slots

private:
  struct Node {
    std::string address;
    bool alive = true;
    double speed = 100;
    unsigned advertised_free = 0; // free slots as the others know them
    std::unique_ptr<SimClock> clock;
    std::unique_ptr<net::membership::SplitMix> random;
    std::unique_ptr<net::reliable::Messenger> messenger;
    std::unique_ptr<ClusterView> view;
    MemoryModules modules;
    std::unique_ptr<SimExecutors> executors;
    std::unique_ptr<VcNode> vc; // last: destroyed first
  };
  class View;

  std::vector<std::unique_ptr<Node>> nodes_;
};

} // namespace ppp2p::agent::vc::sim
