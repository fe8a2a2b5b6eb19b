// The system-call filter of sandboxed executors, compiled to a BPF program with libseccomp and
// handed to bwrap (--seccomp FD), which installs it right before it executes the module.
//
// Everything is allowed except what lets code reach past its sandbox or the kernel's attack
// surface that ordinary C++ never needs: tracing and other processes' memory (ptrace,
// process_vm_*), mounts and namespaces, BPF, kexec, kernel keyrings, perf events, kernel
// modules, io_uring (its requests bypass this filter), and sockets other than Unix ones. A
// forbidden call kills the whole executor (SIGSYS): a VT cannot catch it and carry on.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ppp2p::agent::sandbox {

/// The names of the forbidden system calls, for messages (socket families aside).
const std::vector<const char*>& forbidden_system_calls();

/// "ptrace, process_vm_readv, ..., socket (other than AF_UNIX)", for messages.
std::string forbidden_call_list();

/// The filter as a BPF program (struct sock_filter[]), or empty with `error` set.
std::vector<std::byte> executor_seccomp_program(std::string& error);

} // namespace ppp2p::agent::sandbox
