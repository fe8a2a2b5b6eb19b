#include "process_executor.hpp"

#include <fcntl.h>

#include <csignal>
#include <cstring>
#include <sys/socket.h>
#include <unistd.h>

#include "executor_frames.hpp"
#include "executor_sandbox.hpp"
#include "ppp2p/net/async_event.hpp"
#include "ppp2p/net/child_process.hpp"
#include "ppp2p/net/frame.hpp"
#include "ppp2p/net/frame_reader.hpp"
#include "ppp2p/net/loop.hpp"
#include "ppp2p/net/pipe.hpp"
#include "ppp2p/net/timer.hpp"
#include "seccomp_filter.hpp"
#include "sha256.hpp"
#include "vc/executor/executor_protocol.hpp"

extern char** environ;

namespace ppp2p::agent::vc {

namespace wire = ppp2p::detail::executor_wire;
using namespace ppp2p::net;

namespace {
constexpr Millis kStopGrace{1000};
constexpr Millis kExitAfterClose{2000}; // the socket closed: the process must follow soon
constexpr int kExecutorFd = 3;
constexpr int kForbiddenCallFd = 6; // sandboxed: where the executor says which call was refused
} // namespace

// Shared by an executor's owner and the tasks that read from it and stop it.
struct ExecutorLink {
  std::unique_ptr<ChildProcess> child;
  std::unique_ptr<PipeStream> stream;
  ExecutorCallbacks cb;
  bool owner_gone = false;
  bool started = false;
  std::string violation;
  std::optional<ExitStatus> exit;
  AsyncEvent exited;
  int forbidden_call_fd = -1; // read end: the executor writes the number of a refused call

  ~ExecutorLink() {
    if (forbidden_call_fd >= 0)
      ::close(forbidden_call_fd);
  }

  /// The name of the system call the sandbox refused, if the executor said.
  std::string forbidden_call() const {
    std::int32_t number = -1;
    if (forbidden_call_fd < 0 || ::read(forbidden_call_fd, &number, sizeof number) != sizeof number)
      return {};
    return sandbox::system_call_name(number);
  }

  void send(const wire::Command& command) {
    auto payload = wire::encode(command);
    // A closed socket: the exit is reported.
    (void)stream->send(
        make_frame({reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()}));
  }
};

namespace {

// One frame from the executor; false (with l.violation set) when it breaks the protocol.
bool handle(ExecutorLink& l, ByteView frame) {
  auto m = decode_executor_frame(frame, l.started, l.violation);
  if (!m)
    return false;
  if (m->started) {
    l.started = true;
    if (l.cb.started)
      l.cb.started();
    return true;
  }
  if (l.cb.event)
    l.cb.event(std::move(m->event));
  return true;
}

/// The module file opened for executing, if its SHA-256 is `expected` (read through the same
/// descriptor that is executed, so that what runs is what was checked).
int open_checked_module(const std::string& path, const ModuleHash& expected, std::string& error,
                        bool& damaged) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error = "cannot open " + path + ": " + std::strerror(errno);
    return -1;
  }
  Sha256 hash;
  std::vector<std::uint8_t> buffer(1 << 20);
  for (;;) {
    ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      error = "cannot read " + path + ": " + std::strerror(errno);
      ::close(fd);
      return -1;
    }
    if (n == 0)
      break;
    hash.update(ByteView(buffer.data(), std::size_t(n)));
  }
  if (hash.finish() != expected) {
    damaged = true;
    error = path + " is not module " + hex(expected) + " (its SHA-256 differs): not executed";
    ::close(fd);
    return -1;
  }
  if (::lseek(fd, 0, SEEK_SET) != 0) {
    error = "cannot rewind " + path + ": " + std::strerror(errno);
    ::close(fd);
    return -1;
  }
  return fd;
}

std::vector<std::string> executor_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view v(*e);
    if (v.starts_with("PPP2P_EXECUTOR_") || v.starts_with("PPP2P_AGENT="))
      continue;
    env.emplace_back(v);
  }
  return env;
}

} // namespace

class ProcessExecutor final : public Executor {
public:
  ProcessExecutor(ProcessExecutorFactory& f, std::shared_ptr<ExecutorLink> l)
      : f_(f), l_(std::move(l)) {}
  ~ProcessExecutor() override {
    l_->owner_gone = true;
    l_->cb = {};
    f_.scope_.spawn(f_.stop_one(l_));
  }
  void run(const SpawnRequest& r) override {
    l_->send(wire::Run{r.vt, r.entry, r.function, r.args, r.snapshot, r.effect, r.replay_through});
  }
  void cancel(VtNumber vt) override { l_->send(wire::Cancel{vt}); }
  void capture(VtNumber vt) override { l_->send(wire::Capture{vt}); }
  void to_vt(VtNumber vt, const std::vector<std::byte>& frame) override {
    l_->send(wire::ToVt{vt, frame});
  }
  int pid() const override { return l_->child->pid(); }

private:
  ProcessExecutorFactory& f_;
  std::shared_ptr<ExecutorLink> l_;
};

ProcessExecutorFactory::ProcessExecutorFactory(Loop& loop,
                                               std::unique_ptr<sandbox::ExecutorSandbox> sandbox)
    : loop_(loop), env_(sandbox ? std::vector<std::string>{} : executor_environment()),
      sandbox_(std::move(sandbox)) {}

ProcessExecutorFactory::~ProcessExecutorFactory() = default;

std::unique_ptr<Executor> ProcessExecutorFactory::start(const ExecutorSpec& spec,
                                                        ExecutorCallbacks cb,
                                                        ExecutorStartError& failure) {
  std::string& error = failure.what;
  const std::string& module_path = spec.module_path;
  unsigned slots = spec.slots;
  int module_fd = open_checked_module(module_path, spec.module, error, failure.module_damaged);
  if (module_fd < 0)
    return nullptr;
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    error = std::string("socketpair: ") + std::strerror(errno);
    ::close(module_fd);
    return nullptr;
  }
  std::vector<std::string> env = env_;
  env.push_back("PPP2P_EXECUTOR_FD=" + std::to_string(kExecutorFd));
  env.push_back("PPP2P_EXECUTOR_SLOTS=" + std::to_string(slots));
  ChildOptions o;
  std::vector<int> close_after_spawn{module_fd};
  int forbidden_call[2] = {-1, -1};
  if (sandbox_) {
    // Non-blocking: read once the executor is gone, whether it wrote or not.
    if (::pipe2(forbidden_call, O_CLOEXEC | O_NONBLOCK) != 0) {
      error = std::string("pipe: ") + std::strerror(errno);
      for (int fd : {module_fd, sv[0], sv[1]})
        ::close(fd);
      return nullptr;
    }
    env.push_back("PPP2P_EXECUTOR_VIOLATION_FD=" + std::to_string(kForbiddenCallFd));
    auto launch =
        sandbox_->prepare(module_fd, slots, spec.memory_limit_bytes, env,
                          {{sv[1], kExecutorFd}, {forbidden_call[1], kForbiddenCallFd}}, error);
    if (!launch) {
      for (int fd : {module_fd, sv[0], sv[1], forbidden_call[0], forbidden_call[1]})
        ::close(fd);
      return nullptr;
    }
    close_after_spawn.push_back(forbidden_call[1]); // the child's copy is the only writer
    o = std::move(launch->options);
    close_after_spawn.insert(close_after_spawn.end(), launch->close_after_spawn.begin(),
                             launch->close_after_spawn.end());
  } else {
    o.program = module_path;
    o.program_fd = module_fd;
    o.env = std::move(env);
    o.fds = {{sv[1], kExecutorFd}};
  }
  o.stdout_fd = 2;
  auto child = ChildProcess::spawn(loop_, o);
  ::close(sv[1]);
  for (int fd : close_after_spawn)
    ::close(fd);
  auto l = std::make_shared<ExecutorLink>();
  l->forbidden_call_fd = forbidden_call[0]; // closed with l
  if (!child) {
    ::close(sv[0]);
    error = "cannot run " + module_path + ": " + child.error().message();
    return nullptr;
  }
  auto stream = PipeStream::open(loop_, sv[0]);
  if (!stream) {
    ::close(sv[0]);
    error = "cannot watch the executor's socket: " + stream.error().message();
    return nullptr; // the child is killed with its ChildProcess
  }
  l->child = std::move(*child);
  l->stream = std::move(*stream);
  l->cb = std::move(cb);
  ExecutorLink* raw = l.get();
  bool sandboxed = sandbox_ != nullptr;
  l->child->on_exit([raw, sandboxed](ExitStatus s) {
    raw->exit = sandboxed ? sandbox::ExecutorSandbox::unwrap(s) : s;
    raw->exited.set();
  });
  ++running_;
  scope_.spawn(read_loop(l));
  return std::make_unique<ProcessExecutor>(*this, std::move(l));
}

task<void> ProcessExecutorFactory::read_loop(std::shared_ptr<ExecutorLink> l) {
  {
    FrameReader reader(*l->stream, ppp2p::detail::executor_wire::kMaxFrame);
    for (;;) {
      auto frame = co_await reader.next();
      if (!frame)
        break;
      if (!handle(*l, *frame)) {
        l->child->kill(SIGKILL);
        break;
      }
      if (l->owner_gone)
        break;
    }
  }
  // The socket closed (or the executor misbehaved): the process is ending. Wait for its exit
  // status to say why, killing it if it lingers.
  Timer linger(loop_);
  linger.start(kExitAfterClose, [l] { l->child->kill(SIGKILL); });
  co_await l->exited.wait();
  linger.cancel();
  --running_;
  if (!l->owner_gone && l->cb.exited) {
    ExecutorEnd end;
    end.sandbox_violation = l->violation.empty() && sandbox::ExecutorSandbox::violated(*l->exit);
    std::string call = end.sandbox_violation ? l->forbidden_call() : std::string();
    if (end.sandbox_violation && !call.empty())
      end.why = "the sandbox stopped the executor at a forbidden system call: " + call;
    else if (end.sandbox_violation)
      end.why = "the sandbox killed the executor for a forbidden system call (one of " +
                sandbox::forbidden_call_list() + ")";
    else
      end.why = l->violation.empty() ? "executor " + l->exit->describe()
                                     : "executor " + l->violation + " and was killed";
    auto exited = std::move(l->cb.exited);
    exited(std::move(end));
  }
  l->stream->close();
}

task<void> ProcessExecutorFactory::stop_one(std::shared_ptr<ExecutorLink> l) {
  if (!l->exited.is_set()) {
    l->send(wire::Shutdown{});
    Timer grace(loop_);
    grace.start(kStopGrace, [l] { l->child->kill(SIGKILL); });
    co_await l->exited.wait();
    grace.cancel();
  }
  l->stream->close();
}

task<void> ProcessExecutorFactory::stop() {
  co_await scope_.join();
}

} // namespace ppp2p::agent::vc
