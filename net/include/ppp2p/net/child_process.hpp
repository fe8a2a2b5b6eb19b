// ChildProcess: a program started with fork + exec that dies with its parent
// (PR_SET_PDEATHSIG) and whose exit the loop reports (a pidfd watched by the loop, then
// waitpid). Descriptors to pass are mapped to fixed numbers in the child; every other
// descriptor is closed on exec.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ppp2p/net/result.hpp"
#include "ppp2p/net/timer.hpp"

namespace ppp2p::net {

class Loop;

struct ChildOptions {
  std::string program;           // path of the executable (argv[0] too)
  int program_fd = -1;           // >= 0: execute this open file instead of the path (execveat), so
                                 // that what runs is what the caller checked
  std::vector<std::string> args; // argv[1], ...; argv[0] is program
  std::vector<std::string> env;  // the whole environment, "NAME=value" each
  std::vector<std::pair<int, int>> fds; // (descriptor here, number in the child), numbers >= 3
  int stdout_fd = -1; // -1: inherited; otherwise the child's stdout becomes this descriptor
  int stderr_fd = -1; // the same for stderr
  bool die_with_parent = true;
  // Resource limits (RLIMIT_*, soft = hard) set in the child before exec.
  std::vector<std::pair<int, unsigned long>> limits;
  // >= 0: the child drops to this user and group (no supplementary groups) before exec; needs
  // the parent to be root.
  long uid = -1, gid = -1;
};

struct ExitStatus {
  bool signaled = false;
  int code = 0; // exit status, or the signal's number
  // "exited with status 3", "killed by signal 11 (Segmentation fault)"
  std::string describe() const;
};

class ChildProcess {
public:
  // Starts the program. Fails with the errno of fork, exec (e.g. ENOENT, EACCES) or pidfd_open.
  static Result<std::unique_ptr<ChildProcess>> spawn(Loop& loop, const ChildOptions& options);
  // Runs the program to its end, blocking (for short helpers, such as a trial at start-up):
  // its exit status, and in `stderr_text` the first 4 KiB it wrote to stderr (options'
  // stderr_fd is replaced). Fails with the errno of fork or exec.
  static Result<ExitStatus> run_to_end(const ChildOptions& options, std::string& stderr_text);

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  // Without detach(): kills it (SIGKILL) if it still runs. It is reaped when it exits.
  ~ChildProcess();

  int pid() const noexcept;
  bool exited() const noexcept;
  // Called once, from the loop, when it has exited (not after destruction).
  void on_exit(std::function<void(ExitStatus)> fn);
  void kill(int signal) noexcept;
  // Lets it end by itself: on destruction it is killed only if it still runs after `grace`.
  void detach(Millis grace) noexcept;

  struct State;

private:
  explicit ChildProcess(State* state) : state_(state) {}
  State* state_;
};

} // namespace ppp2p::net
