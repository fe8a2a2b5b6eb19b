#include "test_hosts.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <sstream>
#include <stdexcept>

namespace bench {
namespace {

/// Starts argv with its stdout on a pipe; the child dies with this process.
TestHosts::Child spawn(const std::vector<std::string>& argv) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(pipe_fds[1], 1);
    std::vector<char*> args;
    for (const std::string& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  return {pid, pipe_fds[0]};
}

/// Reads the child's stdout to its end and waits for it: its exit status (or 128 + signal).
int wait_for(TestHosts::Child child, std::string& out) {
  char buf[4096];
  ssize_t n;
  while ((n = ::read(child.out, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0)
      out.append(buf, std::size_t(n));
  ::close(child.out);
  int status = 0;
  while (::waitpid(child.pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int run(const std::vector<std::string>& argv, std::string& out) {
  return wait_for(spawn(argv), out);
}

// What an interrupted program execs to leave nothing behind (execv is async-signal-safe): a
// shell that takes the hosts down, removes what was registered and exits as killed by SIGTERM.
std::string g_down_command;
char* g_down_argv[4];

void down_on_signal(int) {
  ::execv(g_down_argv[0], g_down_argv);
  ::_exit(143);
}

std::string quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text)
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

} // namespace

std::unique_ptr<TestHosts> TestHosts::up(const std::string& script,
                                         const std::vector<std::optional<int>>& cpu_percent,
                                         std::string& why) {
  std::string name = "pp2hb" + std::to_string(::getpid()), cpus;
  for (std::size_t i = 0; i < cpu_percent.size(); ++i)
    cpus += (i ? "," : "") + (cpu_percent[i] ? std::to_string(*cpu_percent[i]) : "-");
  std::string out;
  int status = run({"python3", script, "up", std::to_string(cpu_percent.size()), "--cpu=" + cpus,
                    "--name", name},
                   out);
  if (status == 77) {
    why = "test hosts are not available here (see the message above)";
    return nullptr;
  }
  if (status != 0)
    throw std::runtime_error(script + " up failed with status " + std::to_string(status));
  std::unique_ptr<TestHosts> hosts(new TestHosts(script, name));
  // "  host I: namespace NS address A [cgroup G]"
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string host, index, ns_word, ns, address_word, address;
    if (words >> host >> index >> ns_word >> ns >> address_word >> address && host == "host" &&
        address_word == "address")
      hosts->addresses_.push_back(address);
  }
  if (hosts->addresses_.size() != cpu_percent.size()) // the destructor takes the set down
    throw std::runtime_error("cannot read the hosts' addresses from `" + script + " up`:\n" + out);
  hosts->set_interrupt_command();
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    ::signal(sig, down_on_signal);
  return hosts;
}

TestHosts::~TestHosts() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    ::signal(sig, SIG_DFL);
  std::string out;
  if (run({"python3", script_, "down", name_}, out) != 0)
    std::fprintf(stderr, "could not take the test hosts %s down: run `%s down %s`\n", name_.c_str(),
                 script_.c_str(), name_.c_str());
}

void TestHosts::remove_on_interrupt(const std::string& path) {
  removed_on_interrupt_.push_back(path);
  set_interrupt_command();
}

void TestHosts::set_interrupt_command() {
  std::string command = "python3 " + quoted(script_) + " down " + quoted(name_) + " >/dev/null";
  for (const std::string& path : removed_on_interrupt_)
    command += "; rm -rf " + quoted(path);
  sigset_t all, old;
  sigfillset(&all);
  ::sigprocmask(SIG_BLOCK, &all, &old); // the handler must not see half a command
  g_down_command = command + "; exit 143";
  static char sh[] = "/bin/sh", dash_c[] = "-c";
  g_down_argv[0] = sh, g_down_argv[1] = dash_c, g_down_argv[2] = g_down_command.data();
  g_down_argv[3] = nullptr;
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
}

std::vector<std::string> TestHosts::launcher(std::size_t host) const {
  return {"python3", script_, "exec", name_, std::to_string(host), "--"};
}

TestHosts::Child TestHosts::start(std::size_t host, const std::vector<std::string>& argv) const {
  std::vector<std::string> all = launcher(host);
  all.insert(all.end(), argv.begin(), argv.end());
  return spawn(all);
}

std::string TestHosts::finish(Child child) {
  std::string out;
  int status = wait_for(child, out);
  if (status != 0)
    throw std::runtime_error("a command in a test host failed (exit status " +
                             std::to_string(status) + ")");
  return out;
}

} // namespace bench
