#include "executor_sandbox.hpp"

#include "seccomp_filter.hpp"

#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>

namespace ppp2p::agent::sandbox {
namespace fs = std::filesystem;
namespace {

constexpr const char* kModuleInside = "/run/ppp2p/module";
constexpr int kSeccompFd = 4; // in bwrap; the executor's socket is 3
constexpr int kModuleFd = 5;
constexpr const char* kPrlimit = "/usr/bin/prlimit";

// A sanitizer build (PPP2P_SANITIZE) builds the executors with ASan or TSan as well: they
// reserve terabytes of address space for shadow memory, which no address-space limit admits.
#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif
#else
constexpr bool kSanitizerBuild = false;
#endif

std::string find_bwrap() {
  for (const char* dir : {"/usr/bin", "/bin", "/usr/local/bin"}) {
    std::string path = std::string(dir) + "/bwrap";
    if (access(path.c_str(), X_OK) == 0)
      return path;
  }
  return {};
}

/// bwrap arguments for a read-only root of /usr, its links, the loader's files and `extra`.
std::vector<std::string> root_view(const std::vector<std::string>& extra) {
  std::vector<std::string> args{"--ro-bind", "/usr", "/usr"};
  for (const char* top : {"/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}) {
    std::error_code ec;
    auto status = fs::symlink_status(top, ec);
    if (ec)
      continue;
    if (fs::is_symlink(status))
      args.insert(args.end(), {"--symlink", fs::read_symlink(top, ec).string(), top});
    else if (fs::is_directory(status))
      args.insert(args.end(), {"--ro-bind", top, top});
  }
  for (const char* file :
       {"/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/localtime"})
    args.insert(args.end(), {"--ro-bind-try", file, file});
  for (const std::string& path : extra)
    args.insert(args.end(), {"--ro-bind", path, path});
  return args;
}

std::uint64_t physical_memory() {
  long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && size > 0 ? std::uint64_t(pages) * std::uint64_t(size) : 0;
}

/// A memory file holding `bytes`, at offset 0, or -1.
int memory_file(const char* name, const std::vector<std::byte>& bytes) {
  int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd < 0)
    return -1;
  if (write(fd, bytes.data(), bytes.size()) != ssize_t(bytes.size()) ||
      lseek(fd, 0, SEEK_SET) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

} // namespace

std::unique_ptr<ExecutorSandbox> ExecutorSandbox::create(SandboxOptions options,
                                                         std::string& error) {
  std::unique_ptr<ExecutorSandbox> s(new ExecutorSandbox);
  s->bwrap_ = find_bwrap();
  if (s->bwrap_.empty()) {
    error = "bwrap (Debian package bubblewrap) is not installed";
    return nullptr;
  }
  if (access(kPrlimit, X_OK) != 0) {
    error = std::string(kPrlimit) + " (Debian package util-linux) is missing";
    return nullptr;
  }
  for (const std::string& path : options.read_only)
    if (!fs::path(path).is_absolute() || !fs::exists(path)) {
      error = "--sandbox-read-only " + path + ": not an absolute path that exists";
      return nullptr;
    }
  s->seccomp_ = executor_seccomp_program(error);
  if (s->seccomp_.empty())
    return nullptr;
  if (options.memory_bytes == 0)
    options.memory_bytes = physical_memory();
  s->root_view_ = root_view(options.read_only);
  s->own_uids_ = geteuid() == 0;
  s->options_ = std::move(options);

  // One trial: the same sandbox around /usr/bin/true, so that a kernel without unprivileged
  // user namespaces (or an old bwrap) is reported now, not as executors that never start.
  std::string why;
  auto launch = s->prepare(-1, 1, 0, {}, {}, why);
  if (!launch) {
    error = why;
    return nullptr;
  }
  launch->options.args.back() = "/usr/bin/true"; // in place of the module
  std::string said;
  auto status = net::ChildProcess::run_to_end(launch->options, said);
  for (int fd : launch->close_after_spawn)
    close(fd);
  if (!status) {
    error = "cannot run " + s->bwrap_ + ": " + status.error().message();
    return nullptr;
  }
  if (status->signaled || status->code != 0) {
    while (!said.empty() && said.back() == '\n')
      said.pop_back();
    error = "a trial sandbox failed (bwrap " + status->describe() + ")" +
            (said.empty() ? "" : ": " + said);
    return nullptr;
  }
  return s;
}

unsigned ExecutorSandbox::processes_for(unsigned slots) const {
  return options_.processes ? options_.processes : 4096 + 4 * slots;
}

std::vector<std::string> ExecutorSandbox::arguments(unsigned slots,
                                                    const std::vector<std::string>& env,
                                                    int seccomp_fd, int module_fd) const {
  std::vector<std::string> args{"--unshare-user",
                                "--unshare-ipc",
                                "--unshare-pid",
                                "--unshare-net",
                                "--unshare-uts",
                                "--unshare-cgroup-try",
                                "--disable-userns",
                                "--die-with-parent",
                                "--new-session",
                                "--cap-drop",
                                "ALL"};
  args.insert(args.end(), root_view_.begin(), root_view_.end());
  args.insert(args.end(), {"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--chdir", "/tmp",
                           "--clearenv", "--setenv", "PATH", "/usr/bin:/bin"});
  for (const std::string& variable : env) {
    auto eq = variable.find('=');
    if (eq != std::string::npos)
      args.insert(args.end(), {"--setenv", variable.substr(0, eq), variable.substr(eq + 1)});
  }
  args.insert(args.end(), {"--seccomp", std::to_string(seccomp_fd)});
  if (module_fd >= 0)
    args.insert(args.end(),
                {"--perms", "0555", "--ro-bind-data", std::to_string(module_fd), kModuleInside});
  // The process limit is set inside the sandbox's user namespace (by util-linux's prlimit, right
  // before the module), so that the kernel counts this executor's processes against it; set
  // before bwrap, it would also cap every process of the agent's user together.
  std::string processes = std::to_string(processes_for(slots));
  args.insert(args.end(),
              {"--", kPrlimit, "--nproc=" + processes + ":" + processes, "--", kModuleInside});
  return args;
}

std::optional<ExecutorSandbox::Launch>
ExecutorSandbox::prepare(int module_fd, unsigned slots, std::uint64_t memory_bytes,
                         const std::vector<std::string>& env, std::vector<std::pair<int, int>> fds,
                         std::string& error) {
  int seccomp_fd = memory_file("ppp2p-seccomp", seccomp_);
  if (seccomp_fd < 0) {
    error = std::string("cannot pass the seccomp filter: ") + std::strerror(errno);
    return std::nullopt;
  }
  Launch launch;
  launch.close_after_spawn.push_back(seccomp_fd);
  fds.push_back({seccomp_fd, kSeccompFd});
  if (module_fd >= 0)
    fds.push_back({module_fd, kModuleFd});
  net::ChildOptions& o = launch.options;
  o.program = bwrap_;
  std::vector<std::string> variables = env;
  if (kSanitizerBuild) // the sanitizers' settings (halt on the first report, ...) hold inside
    for (const char* name : {"ASAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS", "UBSAN_OPTIONS"})
      if (const char* value = std::getenv(name))
        variables.push_back(std::string(name) + "=" + value);
  o.args = arguments(slots, variables, kSeccompFd, module_fd >= 0 ? kModuleFd : -1);
  o.fds = std::move(fds);
  std::uint64_t memory =
      memory_bytes && memory_bytes < options_.memory_bytes ? memory_bytes : options_.memory_bytes;
  o.limits = {{RLIMIT_NOFILE, options_.open_files}, {RLIMIT_CORE, 0}};
  if (!kSanitizerBuild)
    o.limits.push_back({RLIMIT_AS, memory});
  if (own_uids_) {
    long id = kDynamicUidBase + long(next_uid_++ % 65536);
    o.uid = id;
    o.gid = id;
  }
  return launch;
}

net::ExitStatus ExecutorSandbox::unwrap(net::ExitStatus s) {
  if (!s.signaled && s.code > 128 && s.code < 128 + 65)
    return {true, s.code - 128};
  return s;
}

bool ExecutorSandbox::violated(const net::ExitStatus& s) {
  return s.signaled && s.code == SIGSYS;
}

std::string ExecutorSandbox::describe() const {
  std::string uid = own_uids_ ? "a user id of its own from " + std::to_string(kDynamicUidBase)
                              : "this agent's user id";
  return "executors run in a sandbox (" + bwrap_ +
         "): no network, a read-only /usr, private /tmp, cleared environment, seccomp, " + uid +
         (kSanitizerBuild ? std::string(", no address-space limit (a sanitizer build), ")
                          : ", at most " + std::to_string(options_.memory_bytes >> 20) +
                                " MiB of address space, ") +
         (options_.processes ? std::to_string(options_.processes)
                             : std::string("4096 + 4 per slot")) +
         " processes and threads, " + std::to_string(options_.open_files) + " open files";
}

} // namespace ppp2p::agent::sandbox
