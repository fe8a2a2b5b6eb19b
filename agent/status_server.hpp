// The agent's status socket: answers each connection's request with the current StatusView.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "ppp2p/net/pipe.hpp"
#include "ppp2p/net/task_scope.hpp"
#include "status_view.hpp"

namespace ppp2p::agent {

class StatusServer {
public:
  StatusServer(net::Loop& loop, std::function<StatusView()> snapshot)
      : loop_(loop), snapshot_(std::move(snapshot)) {}

  // Binds the owner-only socket at path (removing a stale one left by a crashed agent: the
  // caller holds the data dir's lock) and starts serving.
  net::Result<void> start(const std::string& path);
  // Stops accepting and waits for the connections being served.
  net::task<void> stop();

private:
  net::task<void> serve(std::unique_ptr<net::Stream> stream);

  net::Loop& loop_;
  std::function<StatusView()> snapshot_;
  std::unique_ptr<net::PipeListener> listener_;
  net::TaskScope scope_;
};

// `ppp2p-runtime status`: asks the agent of data_dir and prints its view. Returns the exit code.
int run_status_command(const std::string& data_dir, bool json);

} // namespace ppp2p::agent
