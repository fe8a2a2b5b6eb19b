// The executor: a process running the module (the program's own executable) on behalf of a
// peer, started with PPP2P_EXECUTOR_FD set. It runs Run requests on `slots` threads, each as
// the root of a capture context, and reports results, failures and partial results.
#pragma once

namespace ppp2p::detail {

/// Runs the executor on descriptor `fd` with `slots` threads; returns the process exit code.
int run_executor(int fd, unsigned slots);

} // namespace ppp2p::detail
