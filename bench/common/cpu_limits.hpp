// Heterogeneous peers on one host: a CPU bandwidth limit per peer (a cgroup of the cpu
// controller, v1 cpu.cfs_quota_us or v2 cpu.max) and pinning to a core (sched_setaffinity).
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

namespace bench {

class CpuLimits {
public:
  /// The cgroup hierarchy to use, or null with `why` set if none is writable (not root, no cpu
  /// controller).
  static std::unique_ptr<CpuLimits> open(std::string& why);
  ~CpuLimits(); // moves what is left back to the root group and removes the groups

  /// A group limited to `percent` of one core (10 ms periods); returns its index.
  int create(const std::string& name, int percent);
  /// Moves process `pid` (all its threads) into group `group`; false with `why` on failure.
  bool add(int group, pid_t pid, std::string& why);
  std::string describe() const;

private:
  CpuLimits(std::string root, bool v2) : root_(std::move(root)), v2_(v2) {}
  std::string root_;
  bool v2_;
  std::vector<std::string> groups_;
};

/// Pins the calling thread (0) or process to `core`; false if that core does not exist.
bool pin_to_core(pid_t who, int core);

} // namespace bench
