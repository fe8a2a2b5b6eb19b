// Executors as child processes of the agent (the real ExecutorFactory).
//
// An executor is the module itself (the user's executable, from the module cache) started with
// PPP2P_EXECUTOR_FD=3 (its end of a socketpair) and PPP2P_EXECUTOR_SLOTS=n; it dies with the
// agent (PR_SET_PDEATHSIG), its stdout goes to the agent's stderr. Frames on the socket follow
// runtime/vc/executor/executor.fbs and are verified; an executor that sends something invalid is
// killed. Stopping one sends Shutdown, closes the socket and kills it if it has not exited within a
// second.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "executor_sandbox.hpp"
#include "ppp2p/net/task.hpp"
#include "ppp2p/net/task_scope.hpp"
#include "vc_env.hpp"

namespace ppp2p::net {
class Loop;
}

namespace ppp2p::agent::vc {

struct ExecutorLink;

class ProcessExecutorFactory final : public ExecutorFactory {
public:
  // With a sandbox, executors start in it with a cleared environment; without, they get this
  // agent's environment, less PPP2P_* variables meant for it. Either way the module file is
  // executed through the descriptor its SHA-256 was checked from.
  ProcessExecutorFactory(net::Loop& loop, std::unique_ptr<sandbox::ExecutorSandbox> sandbox);
  ~ProcessExecutorFactory() override;

  std::unique_ptr<Executor> start(const ExecutorSpec& spec, ExecutorCallbacks callbacks,
                                  ExecutorStartError& failure) override;

  // Waits until every executor has exited (those still owned are stopped first).
  net::task<void> stop();
  std::size_t running() const noexcept { return running_; }

private:
  friend class ProcessExecutor;
  net::task<void> read_loop(std::shared_ptr<ExecutorLink> link);
  net::task<void> stop_one(std::shared_ptr<ExecutorLink> link);

  net::Loop& loop_;
  std::vector<std::string> env_;
  std::unique_ptr<sandbox::ExecutorSandbox> sandbox_;
  net::TaskScope scope_;
  std::size_t running_ = 0;
};

} // namespace ppp2p::agent::vc
