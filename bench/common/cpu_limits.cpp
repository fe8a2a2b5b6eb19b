#include "cpu_limits.hpp"

#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace bench {
namespace {

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.flush();
  return bool(out);
}

bool writable_dir(const std::string& path) {
  return access(path.c_str(), W_OK) == 0;
}

} // namespace

std::unique_ptr<CpuLimits> CpuLimits::open(std::string& why) {
  // cgroup v2 with the cpu controller enabled for children of the root.
  std::ifstream controllers("/sys/fs/cgroup/cgroup.subtree_control");
  std::string line;
  if (controllers && std::getline(controllers, line) &&
      (" " + line + " ").find(" cpu ") != std::string::npos && writable_dir("/sys/fs/cgroup"))
    return std::unique_ptr<CpuLimits>(new CpuLimits("/sys/fs/cgroup", true));
  if (writable_dir("/sys/fs/cgroup/cpu") &&
      access("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", F_OK) == 0)
    return std::unique_ptr<CpuLimits>(new CpuLimits("/sys/fs/cgroup/cpu", false));
  why = "no writable cgroup cpu controller (cgroup v2 cpu.max or v1 cpu.cfs_quota_us; "
        "needs root)";
  return nullptr;
}

CpuLimits::~CpuLimits() {
  for (const std::string& group : groups_) {
    std::ifstream procs(group + "/cgroup.procs");
    std::string pid;
    while (std::getline(procs, pid))
      write_file(root_ + "/cgroup.procs", pid);
    rmdir(group.c_str());
  }
}

int CpuLimits::create(const std::string& name, int percent) {
  std::string path = root_ + "/ppp2p-bench-" + std::to_string(getpid()) + "-" + name;
  mkdir(path.c_str(), 0755);
  const int period = 10000; // µs: short periods keep a limited peer's pace even
  int quota = period * percent / 100;
  if (v2_) {
    write_file(path + "/cpu.max", std::to_string(quota) + " " + std::to_string(period));
  } else {
    write_file(path + "/cpu.cfs_period_us", std::to_string(period));
    write_file(path + "/cpu.cfs_quota_us", std::to_string(quota));
  }
  groups_.push_back(path);
  return int(groups_.size()) - 1;
}

bool CpuLimits::add(int group, pid_t pid, std::string& why) {
  if (!write_file(groups_[std::size_t(group)] + "/cgroup.procs", std::to_string(pid))) {
    why = "cannot move process " + std::to_string(pid) + " into " + groups_[std::size_t(group)] +
          ": " + std::strerror(errno);
    return false;
  }
  return true;
}

std::string CpuLimits::describe() const {
  return v2_ ? "cgroup v2 cpu.max, 10 ms periods" : "cgroup v1 cpu.cfs_quota_us, 10 ms periods";
}

bool pin_to_core(pid_t who, int core) {
  if (core < 0 || core >= CPU_SETSIZE)
    return false;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(core, &set);
  return sched_setaffinity(who, sizeof set, &set) == 0;
}

} // namespace bench
