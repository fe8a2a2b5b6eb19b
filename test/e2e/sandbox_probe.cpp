// sandbox_probe: a ppp2p program whose VTs try to escape the executor sandbox of the agent that
// runs them (agent/sandbox), one attempt per VT, and report what happened. Run through an agent
// (PPP2P_AGENT) by sandbox_e2e.py, which knows the paths and pids to aim at.
//
//   sandbox_probe [--memory-limit MIB] ATTEMPT[=ARG]...   (MIB: the VC's memory_limit_mib)
// Output, one line per attempt: "ATTEMPT: result TEXT" (the VT's own report: "ok ..." or
// "errno NAME ...") or "ATTEMPT: failure CODE: WHAT" (the VT failed; CODE as ppp2p::error_name).
#include <ppp2p/ppp2p.hpp>

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <new>
#include <string>
#include <vector>

namespace {

std::string errno_text(const char* call) {
  return std::string("errno ") + strerrorname_np(errno) + " from " + call;
}

std::string read_file(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  if (fd < 0)
    return errno_text("open");
  char buf[256];
  ssize_t n = read(fd, buf, sizeof buf);
  close(fd);
  return n < 0 ? errno_text("read") : "ok read " + std::to_string(n) + " bytes";
}

std::string write_file(const std::string& path) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0)
    return errno_text("open");
  ssize_t n = write(fd, "escaped\n", 8);
  close(fd);
  return n == 8 ? "ok wrote " + path : errno_text("write");
}

std::string list_dir(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (!dir)
    return errno_text("opendir");
  int entries = 0;
  while (readdir(dir))
    ++entries;
  closedir(dir);
  return "ok " + std::to_string(entries) + " entries";
}

std::string tcp_connect(const std::string& port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0); // the sandbox kills the executor here
  if (fd < 0)
    return errno_text("socket");
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(std::uint16_t(std::atoi(port.c_str())));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int rc = connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to);
  std::string out = rc == 0 ? "ok connected" : errno_text("connect");
  close(fd);
  return out;
}

std::string raw_socket() {
  int fd = socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0)
    return errno_text("socket");
  close(fd);
  return "ok raw socket";
}

std::string trace_parent() {
  if (ptrace(PTRACE_ATTACH, getppid(), nullptr, nullptr) != 0)
    return errno_text("ptrace");
  return "ok attached to " + std::to_string(getppid());
}

std::string fork_many(const std::string& count) {
  int wanted = std::atoi(count.c_str()), made = 0;
  std::vector<pid_t> children;
  std::string stopped = "none failed";
  for (int i = 0; i < wanted; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      pause();
      _exit(0);
    }
    if (pid < 0) {
      stopped = errno_text("fork");
      break;
    }
    children.push_back(pid);
    ++made;
  }
  for (pid_t pid : children)
    kill(pid, SIGKILL);
  for (pid_t pid : children)
    waitpid(pid, nullptr, 0);
  return "forked " + std::to_string(made) + " of " + count + ", " + stopped;
}

std::string raise_limit() {
  rlimit limit{RLIM_INFINITY, RLIM_INFINITY};
  if (setrlimit(RLIMIT_NPROC, &limit) != 0)
    return errno_text("setrlimit");
  return "ok raised RLIMIT_NPROC";
}

std::string exhaust_memory() {
  std::vector<std::unique_ptr<char[]>> blocks;
  std::size_t mib = 0;
  try {
    for (; mib < (64u << 10); mib += 64) {
      blocks.emplace_back(new char[64u << 20]);
      std::memset(blocks.back().get(), 1, 64u << 20);
    }
  } catch (const std::bad_alloc&) {
    return "bad_alloc after " + std::to_string(mib) + " MiB";
  }
  return "ok allocated " + std::to_string(mib) + " MiB";
}

std::string kill_process(const std::string& pid) {
  if (kill(pid_t(std::atoi(pid.c_str())), SIGKILL) != 0)
    return errno_text("kill");
  return "ok killed " + pid;
}

std::string environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value ? "ok " + name + "=" + value : "unset";
}

std::string processes_seen() {
  DIR* dir = opendir("/proc");
  if (!dir)
    return errno_text("opendir");
  int count = 0;
  while (dirent* e = readdir(dir))
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9')
      ++count;
  closedir(dir);
  return "ok " + std::to_string(count) + " processes";
}

std::string attempt(const std::string& what, const std::string& arg) {
  if (what == "read")
    return read_file(arg);
  if (what == "write")
    return write_file(arg);
  if (what == "list")
    return list_dir(arg);
  if (what == "tcp")
    return tcp_connect(arg);
  if (what == "raw-socket")
    return raw_socket();
  if (what == "ptrace")
    return trace_parent();
  if (what == "fork")
    return fork_many(arg);
  if (what == "raise-limit")
    return raise_limit();
  if (what == "memory")
    return exhaust_memory();
  if (what == "kill")
    return kill_process(arg);
  if (what == "env")
    return environment(arg);
  if (what == "processes")
    return processes_seen();
  if (what == "square")
    return "ok " + std::to_string(std::atol(arg.c_str()) * std::atol(arg.c_str()));
  return "unknown attempt " + what;
}

} // namespace

[[ppp2p::checkpointable]] std::string try_escape(std::string what, std::string arg) {
  return attempt(what, arg);
}

namespace {

void run_attempts(ppp2p::VirtualComputer& vc, int first, int argc, char** argv) {
  for (int i = first; i < argc; ++i) {
    std::string spec = argv[i];
    auto eq = spec.find('=');
    std::string what = spec.substr(0, eq), arg = eq == std::string::npos ? "" : spec.substr(eq + 1);
    // One VT at a time: an attempt that kills its executor takes no other attempt with it.
    auto vt = vc.spawn(try_escape, what, arg);
    try {
      std::printf("%s: result %s\n", spec.c_str(), vt.get().c_str());
    } catch (const ppp2p::error& e) {
      std::printf("%s: failure %s: %s\n", spec.c_str(), ppp2p::error_name(e.code()), e.what());
    }
    std::fflush(stdout);
  }
}

} // namespace

int main(int argc, char** argv) {
  ppp2p::VirtualComputer::Options options{.workers = 1, .slots_per_worker = 1};
  int first = 1;
  if (argc > 2 && std::string(argv[1]) == "--memory-limit") {
    options.memory_limit_mib = std::strtoull(argv[2], nullptr, 10);
    first = 3;
  }
  if (first >= argc) {
    std::fprintf(stderr, "usage: sandbox_probe [--memory-limit MIB] ATTEMPT[=ARG]...\n");
    return 2;
  }
  try {
    ppp2p::VirtualComputer vc(options);
    run_attempts(vc, first, argc, argv);
  } catch (const ppp2p::error& e) {
    std::printf("vc: failure %s: %s\n", ppp2p::error_name(e.code()), e.what());
    return 1;
  }
  return 0;
}
