// VcServices: an agent's virtual-computer services over its real environment. Reliable
// messaging on the links (Channel::reliable), the cluster as membership sees it, the module
// cache in the data dir, executor processes, and the client socket DIR/client.sock.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "link_transport.hpp"
#include "ppp2p/net/membership/swim.hpp"
#include "ppp2p/net/task.hpp"
#include "status_view.hpp"
#include "vc/client_server.hpp"
#include "vc/file_module_store.hpp"
#include "vc/process_executor.hpp"
#include "vc/vc_node.hpp"

namespace ppp2p::agent {

struct VcStatus {
  std::vector<vc::DeploymentStatus> deployments;
  std::vector<vc::EnrolmentStatus> enrolments;
  std::size_t modules_cached = 0;
  std::uint64_t modules_fetched = 0;
  std::uint64_t module_bytes_fetched = 0;
  unsigned free_slots = 0;
  std::uint64_t vts_finished = 0;
  std::uint64_t replicas_kept = 0;
  std::uint64_t replica_bytes = 0;
  vc::DeploymentTotals totals;   // over every VC deployed here, released ones included
  net::reliable::Stats reliable; // deploy messages between agents
};

// Adds the VC part of an agent's status to its view.
void add_vc_status(StatusView& view, const VcStatus& status);

class VcServices {
public:
  struct Environment {
    net::Loop& loop;
    net::PeerLinks& links;
    net::membership::Swim& swim;
    net::membership::Clock& clock;
    net::membership::Timers& timers;
    net::membership::Random& random;
  };

  // Opens the module cache; nullptr (and error) when it cannot.
  // `sandbox`: where executors run (null: plain child processes, --no-sandbox).
  static std::unique_ptr<VcServices> create(Environment env, const std::filesystem::path& data_dir,
                                            unsigned slots,
                                            std::unique_ptr<sandbox::ExecutorSandbox> sandbox,
                                            std::string& error);
  ~VcServices();

  // Starts serving clients on the socket at path.
  net::Result<void> start(const std::string& client_socket);
  // Free slots changed: the agent advertises them.
  void on_free_slots(std::function<void(unsigned)> f);

  // From membership and the links.
  void on_member_event(net::membership::Event e, const net::membership::Member& m);
  void on_link_lost(const std::string& address) { messenger_.link_lost(address); }

  // The agent leaves: the VTs it runs are captured (for at most `grace`) so that their
  // deployers resume them elsewhere from there; then clients are disconnected, deployments
  // released, enrolments resigned.
  net::task<void> leave(net::Millis grace);
  // After leave() and the linger: stops messaging and waits for the executors to end.
  net::task<void> stop();

  VcStatus status() const;

private:
  VcServices(Environment env, std::unique_ptr<vc::FileModuleStore> modules, unsigned slots,
             std::unique_ptr<sandbox::ExecutorSandbox> sandbox);

  class View;

  Environment env_;
  LinkTransport transport_;
  net::reliable::Messenger messenger_;
  std::unique_ptr<View> view_;
  std::unique_ptr<vc::FileModuleStore> modules_;
  vc::ProcessExecutorFactory executors_;
  std::unique_ptr<vc::VcNode> node_;
  std::map<net::membership::MemberId, std::string> addresses_; // where each member was last
  std::unique_ptr<vc::ClientServer> clients_;
};

} // namespace ppp2p::agent
