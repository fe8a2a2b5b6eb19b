// The agent's client socket, DIR/client.sock (owner-only): each connection is one virtual
// computer of a local client (runtime/vc/agent_link/client.fbs). The first frame must be CreateVc
// within 10 s; its module is hashed and cached, and the VC created on the VcNode. Spawns and
// cancels follow; events go back in batches, one write per round of the loop. Release, a closed
// connection or an invalid frame releases the VC.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>

#include "file_module_store.hpp"
#include "ppp2p/net/pipe.hpp"
#include "ppp2p/net/task_scope.hpp"
#include "vc_node.hpp"

namespace ppp2p::agent::vc {

class ClientSession;

class ClientServer {
public:
  using Log = std::function<void(const std::string& line)>;

  ClientServer(net::Loop& loop, VcNode& node, FileModuleStore& modules, Log log);
  ~ClientServer();

  // Binds the socket at path (removing a stale one) and starts serving.
  net::Result<void> start(const std::string& path);
  // Closes the socket and every session (releasing their VCs); completes when all have ended.
  net::task<void> stop();
  std::size_t sessions() const noexcept { return sessions_.size(); }

private:
  friend class ClientSession;
  net::task<void> serve(std::unique_ptr<net::Stream> stream);

  net::Loop& loop_;
  VcNode& node_;
  FileModuleStore& modules_;
  Log log_;
  std::unique_ptr<net::PipeListener> listener_;
  std::set<ClientSession*> sessions_;
  net::TaskScope scope_;
  bool stopping_ = false;
};

} // namespace ppp2p::agent::vc
