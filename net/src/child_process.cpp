#include "ppp2p/net/child_process.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "ppp2p/net/loop.hpp"

namespace ppp2p::net {

// Owned by the ChildProcess and by the poll handle; the last one deletes it, so the process is
// reaped even when its owner is gone before it exits.
struct ChildProcess::State {
  uv_poll_t poll;
  uv_timer_t grace; // used only after detach()
  int pidfd = -1;
  pid_t pid = 0;
  bool exited = false;
  bool owner_gone = false;
  int refs = 3; // the owner, the poll handle and the grace timer handle
  ExitStatus status;
  std::function<void(ExitStatus)> on_exit;
  Millis grace_period{-1};

  void release() {
    if (--refs == 0) {
      if (pidfd >= 0)
        ::close(pidfd);
      delete this;
    }
  }
};

std::string ExitStatus::describe() const {
  if (!signaled)
    return "exited with status " + std::to_string(code);
  const char* name = ::strsignal(code);
  return "killed by signal " + std::to_string(code) + " (" + (name ? name : "unknown") + ")";
}

namespace {

ExitStatus status_of(int wait_status) {
  ExitStatus s;
  s.signaled = WIFSIGNALED(wait_status);
  s.code = s.signaled ? WTERMSIG(wait_status) : WEXITSTATUS(wait_status);
  return s;
}

void on_closed(uv_handle_t* h) {
  static_cast<ChildProcess::State*>(h->data)->release();
}

void reap(ChildProcess::State* s) {
  int status = 0;
  pid_t r;
  do
    r = ::waitpid(s->pid, &status, WNOHANG);
  while (r < 0 && errno == EINTR);
  if (r != s->pid)
    return; // not yet (or not ours any more)
  s->exited = true;
  s->status = status_of(status);
  uv_close(reinterpret_cast<uv_handle_t*>(&s->poll), on_closed);
  if (s->owner_gone) // otherwise the owner's destructor closes the timer
    uv_close(reinterpret_cast<uv_handle_t*>(&s->grace), on_closed);
  auto fn = std::move(s->on_exit);
  s->on_exit = nullptr;
  if (fn && !s->owner_gone)
    fn(s->status); // may destroy the owner: s stays alive through the poll handle's ref
}

// The child, between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(const ChildOptions& o, char* const argv[], char* const envp[],
                             int error_pipe, pid_t parent) {
  auto fail = [error_pipe] {
    int e = errno;
    ssize_t n = ::write(error_pipe, &e, sizeof e);
    (void)n;
    ::_exit(127);
  };
  if (o.die_with_parent) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
      fail();
    if (::getppid() != parent)
      ::_exit(127); // the parent died before prctl took effect
  }
  // The program's descriptor, too, must survive the mappings.
  int program_fd = o.program_fd >= 0 ? ::fcntl(o.program_fd, F_DUPFD_CLOEXEC, 1024) : -1;
  if (o.program_fd >= 0 && program_fd < 0)
    fail();
  // Move every source above the targets first, so that mappings cannot overwrite each other.
  int moved[16];
  std::size_t n = std::min<std::size_t>(o.fds.size(), 16);
  int highest = 2;
  for (std::size_t i = 0; i < n; ++i) {
    moved[i] = ::fcntl(o.fds[i].first, F_DUPFD_CLOEXEC, 1024);
    if (moved[i] < 0)
      fail();
    highest = std::max(highest, o.fds[i].second);
  }
  for (std::size_t i = 0; i < n; ++i)
    if (::dup2(moved[i], o.fds[i].second) < 0) // dup2 clears close-on-exec on the target
      fail();
  if (o.stdout_fd >= 0 && ::dup2(o.stdout_fd, 1) < 0)
    fail();
  if (o.stderr_fd >= 0 && ::dup2(o.stderr_fd, 2) < 0)
    fail();
  ::syscall(SYS_close_range, highest + 1, ~0U, CLOSE_RANGE_CLOEXEC);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &dfl, nullptr); // the agent ignores it; the child must not inherit that
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (const auto& [resource, value] : o.limits) {
    rlimit limit{value, value};
    if (::setrlimit(resource, &limit) != 0)
      fail();
  }
  // Raw system calls: glibc's set*id wrappers synchronise threads, which a forked child has not.
  if (o.gid >= 0 && (::syscall(SYS_setgroups, 0, nullptr) != 0 ||
                     ::syscall(SYS_setresgid, o.gid, o.gid, o.gid) != 0))
    fail();
  if (o.uid >= 0 && ::syscall(SYS_setresuid, o.uid, o.uid, o.uid) != 0)
    fail();
  if (program_fd >= 0)
    ::syscall(SYS_execveat, program_fd, "", argv, envp, AT_EMPTY_PATH);
  else
    ::execve(o.program.c_str(), argv, envp);
  fail();
  ::_exit(127); // fail() does not return; this says so to the compiler
}

// Forks a child that becomes the program: its pid, once exec succeeded; the errno of fork or
// exec otherwise (the child reports a failed exec over a close-on-exec pipe).
Result<pid_t> fork_exec(const ChildOptions& o) {
  if (o.fds.size() > 16)
    return std::error_code(E2BIG, std::system_category());
  std::vector<std::string> args_storage;
  args_storage.push_back(o.program);
  args_storage.insert(args_storage.end(), o.args.begin(), o.args.end());
  std::vector<char*> argv, envp;
  for (auto& a : args_storage)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env = o.env;
  for (auto& e : env)
    envp.push_back(e.data());
  envp.push_back(nullptr);

  int error_pipe[2];
  if (::pipe2(error_pipe, O_CLOEXEC) != 0)
    return std::error_code(errno, std::system_category());
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    ::close(error_pipe[0]);
    ::close(error_pipe[1]);
    return std::error_code(e, std::system_category());
  }
  if (pid == 0)
    exec_child(o, argv.data(), envp.data(), error_pipe[1], parent);
  ::close(error_pipe[1]);
  int child_errno = 0;
  ssize_t got;
  do
    got = ::read(error_pipe[0], &child_errno, sizeof child_errno);
  while (got < 0 && errno == EINTR);
  ::close(error_pipe[0]);
  if (got == sizeof child_errno) { // exec failed: the child has exited already
    ::waitpid(pid, nullptr, 0);
    return std::error_code(child_errno, std::system_category());
  }
  return pid;
}

} // namespace

Result<ExitStatus> ChildProcess::run_to_end(const ChildOptions& options, std::string& stderr_text) {
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0)
    return std::error_code(errno, std::system_category());
  ChildOptions o = options;
  o.stderr_fd = err[1];
  auto pid = fork_exec(o);
  ::close(err[1]);
  if (pid) {
    char buf[1024];
    ssize_t n;
    while ((n = ::read(err[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
      if (n > 0 && stderr_text.size() < 4096)
        stderr_text.append(buf, std::size_t(n));
  }
  ::close(err[0]);
  if (!pid)
    return pid.error();
  int status = 0;
  while (::waitpid(*pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status_of(status);
}

Result<std::unique_ptr<ChildProcess>> ChildProcess::spawn(Loop& loop, const ChildOptions& o) {
  auto forked = fork_exec(o);
  if (!forked)
    return forked.error();
  pid_t pid = *forked;
  int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {
    int e = errno;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return std::error_code(e, std::system_category());
  }
  auto* s = new State;
  s->pid = pid;
  s->pidfd = pidfd;
  uv_poll_init(loop.uv(), &s->poll, pidfd);
  s->poll.data = s;
  uv_timer_init(loop.uv(), &s->grace);
  s->grace.data = s;
  uv_unref(reinterpret_cast<uv_handle_t*>(&s->grace));
  uv_poll_start(&s->poll, UV_READABLE,
                [](uv_poll_t* h, int, int) { reap(static_cast<State*>(h->data)); });
  return std::unique_ptr<ChildProcess>(new ChildProcess(s));
}

ChildProcess::~ChildProcess() {
  State* s = state_;
  s->owner_gone = true;
  s->on_exit = nullptr;
  if (!s->exited) {
    if (s->grace_period.count() >= 0) {
      uv_ref(reinterpret_cast<uv_handle_t*>(&s->grace));
      uv_timer_start(
          &s->grace,
          [](uv_timer_t* t) {
            auto* st = static_cast<State*>(t->data);
            if (!st->exited)
              ::kill(st->pid, SIGKILL);
          },
          static_cast<std::uint64_t>(s->grace_period.count()), 0);
    } else {
      // Not detached: it ends now and is reaped here, so that nothing of it outlives its owner
      // (its handles would otherwise wait for the loop, which may be destroyed next).
      ::kill(s->pid, SIGKILL);
      int status = 0;
      while (::waitpid(s->pid, &status, 0) < 0 && errno == EINTR) {
      }
      s->exited = true;
      s->status = status_of(status);
      uv_close(reinterpret_cast<uv_handle_t*>(&s->poll), on_closed);
    }
  }
  // The timer is closed here if the process was reaped already, otherwise when it is.
  if (s->exited)
    uv_close(reinterpret_cast<uv_handle_t*>(&s->grace), on_closed);
  s->release();
}

int ChildProcess::pid() const noexcept {
  return state_->pid;
}

bool ChildProcess::exited() const noexcept {
  return state_->exited;
}

void ChildProcess::on_exit(std::function<void(ExitStatus)> fn) {
  state_->on_exit = std::move(fn);
}

void ChildProcess::kill(int signal) noexcept {
  if (!state_->exited)
    ::kill(state_->pid, signal);
}

void ChildProcess::detach(Millis grace) noexcept {
  state_->grace_period = grace;
}

} // namespace ppp2p::net
