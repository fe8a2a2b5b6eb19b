// The system-call filter of sandboxed executors, compiled to a BPF program with libseccomp and
// handed to bwrap (--seccomp FD), which installs it right before it executes the module.
//
// Everything is allowed except what lets code reach past its sandbox or the kernel's attack
// surface that ordinary C++ never needs: tracing and other processes' memory (ptrace,
// process_vm_*), mounts and namespaces, BPF, kexec, kernel keyrings, perf events, kernel
// modules, io_uring (its requests bypass this filter), and sockets other than Unix ones. A
// forbidden call is not made: the kernel sends SIGSYS instead (SECCOMP_RET_TRAP), on which the
// executor's runtime writes the call's number to the descriptor PPP2P_EXECUTOR_VIOLATION_FD
// names and dies of the signal, so that the agent can name the call. A module that catches
// SIGSYS itself goes on without the call having been made.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace ppp2p::agent::sandbox {

/// "ptrace, process_vm_readv, ..., socket (other than AF_UNIX)", for messages.
std::string forbidden_call_list();
/// "ptrace (101)": the name of system call `number` of this architecture, for messages.
std::string system_call_name(int number);

/// The filter as a BPF program (struct sock_filter[]), or empty with `error` set.
std::vector<std::byte> executor_seccomp_program(std::string& error);

} // namespace ppp2p::agent::sandbox
