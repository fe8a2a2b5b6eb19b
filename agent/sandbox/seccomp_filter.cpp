#include "seccomp_filter.hpp"

#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace ppp2p::agent::sandbox {
namespace {

/// The forbidden system calls (socket families aside).
const std::vector<const char*>& forbidden_system_calls() {
  static const std::vector<const char*> names = {"ptrace",
                                                 "process_vm_readv",
                                                 "process_vm_writev",
                                                 "mount",
                                                 "umount2",
                                                 "fsopen",
                                                 "fsconfig",
                                                 "fsmount",
                                                 "fspick",
                                                 "move_mount",
                                                 "open_tree",
                                                 "mount_setattr",
                                                 "pivot_root",
                                                 "chroot",
                                                 "unshare",
                                                 "setns",
                                                 "bpf",
                                                 "kexec_load",
                                                 "kexec_file_load",
                                                 "keyctl",
                                                 "add_key",
                                                 "request_key",
                                                 "perf_event_open",
                                                 "init_module",
                                                 "finit_module",
                                                 "delete_module",
                                                 "io_uring_setup",
                                                 "io_uring_enter",
                                                 "io_uring_register",
                                                 "open_by_handle_at",
                                                 "name_to_handle_at",
                                                 "userfaultfd",
                                                 "reboot",
                                                 "swapon",
                                                 "swapoff",
                                                 "acct",
                                                 "quotactl",
                                                 "settimeofday",
                                                 "clock_settime",
                                                 "clock_adjtime",
                                                 "adjtimex"};
  return names;
}

} // namespace

std::string system_call_name(int number) {
  char* name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, number);
  std::string text = name ? std::string(name) + " (" + std::to_string(number) + ")"
                          : "number " + std::to_string(number);
  std::free(name);
  return text;
}

std::string forbidden_call_list() {
  return "ptrace, process_vm_*, mounts, namespaces, bpf, kexec, keyrings, perf_event_open, kernel "
         "modules, io_uring, sockets other than Unix ones";
}

std::vector<std::byte> executor_seccomp_program(std::string& error) {
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(SCMP_ACT_ALLOW),
                                                       seccomp_release);
  if (!ctx) {
    error = "seccomp_init failed";
    return {};
  }
  auto deny = [&](int call, unsigned args, const scmp_arg_cmp* cmp, const char* name) {
    int rc = seccomp_rule_add_array(ctx.get(), SCMP_ACT_TRAP, call, args, cmp);
    if (rc != 0)
      error = std::string("seccomp rule for ") + name + ": " + std::strerror(-rc);
    return rc == 0;
  };
  for (const char* name : forbidden_system_calls()) {
    int call = seccomp_syscall_resolve_name(name);
    if (call == __NR_SCMP_ERROR)
      continue; // not a system call of this architecture
    if (!deny(call, 0, nullptr, name))
      return {};
  }
  // Unix sockets only: the executor talks over the one it inherited; no network, no netlink.
  scmp_arg_cmp not_unix = SCMP_A0(SCMP_CMP_NE, AF_UNIX);
  if (!deny(SCMP_SYS(socket), 1, &not_unix, "socket") ||
      !deny(SCMP_SYS(socketpair), 1, &not_unix, "socketpair"))
    return {};
  // libseccomp writes the program to a descriptor; a memory file keeps it off the disk.
  int fd = memfd_create("ppp2p-seccomp", MFD_CLOEXEC);
  if (fd < 0) {
    error = std::string("memfd_create: ") + std::strerror(errno);
    return {};
  }
  std::vector<std::byte> program;
  int rc = seccomp_export_bpf(ctx.get(), fd);
  if (rc != 0) {
    error = std::string("seccomp_export_bpf: ") + std::strerror(-rc);
  } else {
    off_t size = lseek(fd, 0, SEEK_END);
    program.resize(std::size_t(size > 0 ? size : 0));
    if (size <= 0 || pread(fd, program.data(), program.size(), 0) != size) {
      error = "cannot read the exported seccomp program back";
      program.clear();
    }
  }
  close(fd);
  return program;
}

} // namespace ppp2p::agent::sandbox
