// Agent: one ppp2p-runtime process. Owns the loop, the links to other agents, membership and
// the status socket; runs until SIGTERM/SIGINT, then leaves the cluster gracefully.
#pragma once

#include "options.hpp"

namespace ppp2p::agent {

// Runs the agent in the foreground. Returns the process exit code: 0 after a graceful
// leave, 1 when it could not start (the reason is logged).
int run_agent(const RunOptions& options);

} // namespace ppp2p::agent
