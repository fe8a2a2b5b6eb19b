#include "cluster.hpp"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <thread>

namespace bench {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

void fail(const std::string& why) {
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, why.c_str());
  std::exit(1);
}

std::string capture(const std::string& command) {
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
      out.append(buf, n);
    ::pclose(p);
  }
  return out;
}

void use_agent(const std::string& dir) {
  if (dir.empty())
    ::unsetenv("PPP2P_AGENT");
  else
    ::setenv("PPP2P_AGENT", dir.c_str(), 1);
}

std::string default_runtime() {
  return (fs::canonical("/proc/self/exe").parent_path() / "ppp2p-runtime").string();
}

namespace {

// What `ppp2p-runtime keygen` writes, the only kind of key agents accept: 32 random bytes,
// readable by the owner only.
void write_cluster_key(const fs::path& file) {
  std::random_device random;
  std::array<unsigned char, 32> key{};
  for (auto& b : key)
    b = static_cast<unsigned char>(random());
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0 || ::write(fd, key.data(), key.size()) != 32)
    fail("cannot write the cluster key " + file.string() + ": " + std::strerror(errno));
  ::close(fd);
}

} // namespace

Cluster::Cluster(std::string runtime, const fs::path& root)
    : runtime_(std::move(runtime)), root_(root) {
  fs::create_directories(root_);
  write_cluster_key(root_ / "key");
}

Cluster::~Cluster() {
  for (pid_t pid : pids_)
    ::kill(pid, SIGKILL);
  for (pid_t pid : pids_)
    ::waitpid(pid, nullptr, 0);
  std::error_code ec;
  fs::remove_all(root_, ec);
}

std::string Cluster::add(const std::string& name, unsigned slots, double speed,
                         const AgentPlace& place) {
  fs::path dir = root_ / name;
  std::error_code ec;
  fs::remove(dir / "address", ec); // an agent restarted on its data dir writes a new one
  std::vector<std::string> args = place.launcher;
  args.insert(args.end(),
              {runtime_, "--listen", place.listen, "--data-dir", dir.string(), "--cluster-key-file",
               (root_ / "key").string(), "--slots", std::to_string(slots), "--speed",
               std::to_string(speed), "--log-level", "warn"});
  if (!place.advertise.empty())
    args.insert(args.end(), {"--advertise", place.advertise});
  if (!first_.empty()) {
    args.push_back("--join");
    args.push_back(first_);
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::vector<char*> argv;
    for (auto& a : args)
      argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  pids_.push_back(pid);
  auto deadline = Clock::now() + std::chrono::seconds(15);
  while (!fs::exists(dir / "address")) {
    if (Clock::now() > deadline)
      fail("agent " + name + " did not start");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::ifstream in(dir / "address");
  std::string address;
  in >> address;
  if (first_.empty())
    first_ = address;
  ++agents_;
  return dir.string();
}

std::string Cluster::add_home_and_workers(unsigned workers, unsigned slots) {
  std::string home = add("home", 0);
  for (unsigned i = 0; i < workers; ++i)
    add("w" + std::to_string(i), slots);
  converge(home);
  return home;
}

void Cluster::converge(const std::string& dir) {
  auto deadline = Clock::now() + std::chrono::seconds(30);
  for (;;) {
    std::string table = capture(runtime_ + " status --data-dir " + dir + " 2>/dev/null");
    std::size_t alive = 0;
    for (std::size_t at = 0; (at = table.find(" alive ", at)) != std::string::npos; ++at)
      ++alive;
    if (alive >= agents_)
      return;
    if (Clock::now() > deadline)
      fail("the agents did not converge");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool Cluster::kill(pid_t pid) {
  auto it = std::find(pids_.begin(), pids_.end(), pid);
  if (it == pids_.end())
    return false;
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  pids_.erase(it);
  --agents_;
  return true;
}

bool Cluster::freeze(pid_t pid) {
  if (std::find(pids_.begin(), pids_.end(), pid) == pids_.end())
    return false;
  return ::kill(pid, SIGSTOP) == 0;
}

} // namespace bench
