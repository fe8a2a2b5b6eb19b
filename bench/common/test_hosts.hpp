// Test hosts for the benchmarks: a set of network namespaces with CPU quotas made by
// test/hosts/hosts.py (`up`, `exec`, `down`), torn down when this object goes, or when the
// program is interrupted.
#pragma once

#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace bench {

class TestHosts {
public:
  /// Host i limited to cpu_percent[i] of one core (none: unlimited). Null with `why` where the
  /// script cannot make hosts here (not root, no namespaces or cgroups: it exits 77); throws
  /// std::runtime_error if it fails otherwise.
  static std::unique_ptr<TestHosts> up(const std::string& script,
                                       const std::vector<std::optional<int>>& cpu_percent,
                                       std::string& why);
  ~TestHosts(); // `hosts.py down`: kills what runs in them and removes them
  TestHosts(const TestHosts&) = delete;
  TestHosts& operator=(const TestHosts&) = delete;

  std::size_t size() const { return addresses_.size(); }
  const std::string& address(std::size_t host) const { return addresses_.at(host); }
  /// The command prefix that runs a command in host i (its namespace and CPU quota).
  std::vector<std::string> launcher(std::size_t host) const;

  /// A file or folder to remove, too, if the program is interrupted (SIGINT, SIGTERM, SIGHUP).
  void remove_on_interrupt(const std::string& path);

  /// A command started in a host, its stdout readable until it ends.
  struct Child {
    pid_t pid = -1;
    int out = -1;
  };
  Child start(std::size_t host, const std::vector<std::string>& argv) const;
  /// Waits for the child's end; its stdout, or throws (naming the command) if it failed.
  static std::string finish(Child child);

private:
  TestHosts(std::string script, std::string name) : script_(std::move(script)), name_(name) {}
  std::string script_, name_;
  void set_interrupt_command();
  std::vector<std::string> addresses_;
  std::vector<std::string> removed_on_interrupt_;
};

} // namespace bench
