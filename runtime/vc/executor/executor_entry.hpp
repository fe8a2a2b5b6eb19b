// How a process started as an executor (PPP2P_EXECUTOR_FD set) becomes one, whether or not the
// program was linked with -Wl,--wrap=main, and the guard that keeps an executor from starting
// executors of its own.
#pragma once

namespace ppp2p::detail {

/// Runs the executor named by PPP2P_EXECUTOR_FD / PPP2P_EXECUTOR_SLOTS; returns the exit code.
int run_executor_from_environment();

/// Throws vc_unavailable when called inside an executor: a VT (or a program whose main an
/// executor ran) that creates a virtual computer would start executors of its own, level after
/// level.
void refuse_virtual_computer_inside_executor();

} // namespace ppp2p::detail
