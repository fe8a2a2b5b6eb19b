// Executors are the program itself, started with PPP2P_EXECUTOR_FD. Linked with
// -Wl,--wrap=main (the wrapper and the CMake targets do it), __wrap_main takes over after all
// static initialisation (executor_main.cpp). Linked without it (plain `clang++ -fplugin=...
// libppp2p.a`), the constructor below takes over instead: it runs after the program's own
// static initialisers, since libppp2p.a comes after the program's objects on the link line and
// the linker keeps their .init_array entries in that order. Without either, the executor would
// run the program's main, which creates a virtual computer and starts executors again: a fork
// bomb. refuse_virtual_computer_inside_executor() is the last line against that.
#include "vc/executor/executor_entry.hpp"

#include "vc/executor/executor.hpp"

#include <ppp2p/errors.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>

// Defined by executor_main.cpp, which the linker pulls in only when --wrap=main makes crt1's
// reference to main a reference to __wrap_main. A weak reference does not pull it in.
extern "C" int __wrap_main(int argc, char** argv, char** envp) __attribute__((weak));

namespace ppp2p::detail {
namespace {

bool executor_process = false;

bool whole_number(const char* text, unsigned long max, unsigned long& value) {
  if (!text || !*text)
    return false;
  char* end = nullptr;
  errno = 0;
  unsigned long parsed = std::strtoul(text, &end, 10);
  if (errno || *end || parsed > max || text[0] == '-')
    return false;
  value = parsed;
  return true;
}

int forbidden_call_fd = -1;

// SIGSYS from the agent's sandbox (its seccomp filter traps a forbidden system call, which is
// not made): tell the agent which call through the descriptor it gave for that, then die of
// the signal (SA_RESETHAND restored the default action; SA_NODEFER lets it arrive now).
void report_forbidden_call(int, siginfo_t* info, void*) {
  constexpr int kBySeccomp = 1; // SYS_SECCOMP of <asm-generic/siginfo.h>, not in glibc's headers
  if (info->si_code == kBySeccomp) {
    std::int32_t number = info->si_syscall;
    [[maybe_unused]] ssize_t written = write(forbidden_call_fd, &number, sizeof number);
  }
  raise(SIGSYS);
}

/// In a sandboxed executor (PPP2P_EXECUTOR_VIOLATION_FD set by the agent).
void watch_for_forbidden_calls() {
  unsigned long fd = 0;
  if (!whole_number(std::getenv("PPP2P_EXECUTOR_VIOLATION_FD"), std::numeric_limits<int>::max(),
                    fd))
    return;
  forbidden_call_fd = int(fd);
  struct sigaction action {};
  action.sa_sigaction = report_forbidden_call;
  action.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
  sigemptyset(&action.sa_mask);
  sigaction(SIGSYS, &action, nullptr);
}

[[gnu::constructor]] void become_executor_without_wrapped_main() {
  if (&__wrap_main != nullptr || !std::getenv("PPP2P_EXECUTOR_FD"))
    return;
  std::_Exit(run_executor_from_environment());
}

} // namespace

int run_executor_from_environment() {
  executor_process = true;
  unsigned long fd = 0, slots = 1;
  const char* fd_text = std::getenv("PPP2P_EXECUTOR_FD");
  const char* slots_text = std::getenv("PPP2P_EXECUTOR_SLOTS");
  if (!whole_number(fd_text, std::numeric_limits<int>::max(), fd)) {
    std::fprintf(stderr, "ppp2p executor: PPP2P_EXECUTOR_FD is not a descriptor number: '%s'\n",
                 fd_text ? fd_text : "");
    return 125;
  }
  // Only a peer starts executors, over a socket it keeps: anything else (a variable left in a
  // shell's environment) starts nothing. A peer that is gone closes the socket, and the
  // executor ends at its first read.
  struct stat status {};
  if (fstat(int(fd), &status) != 0 || !S_ISSOCK(status.st_mode)) {
    std::fprintf(stderr,
                 "ppp2p executor: PPP2P_EXECUTOR_FD=%lu is not a socket from a ppp2p peer; "
                 "unset PPP2P_EXECUTOR_FD to run the program itself\n",
                 fd);
    return 125;
  }
  if (slots_text && (!whole_number(slots_text, 4096, slots) || slots == 0)) {
    std::fprintf(stderr, "ppp2p executor: PPP2P_EXECUTOR_SLOTS must be 1 to 4096, got '%s'\n",
                 slots_text);
    return 125;
  }
  watch_for_forbidden_calls();
  return run_executor(int(fd), unsigned(slots));
}

void refuse_virtual_computer_inside_executor() {
  if (executor_process)
    throw error(errc::vc_unavailable,
                "this process is an executor of another virtual computer: a virtual thread "
                "cannot create a virtual computer (it would start executors of its own)");
}

} // namespace ppp2p::detail
