// The virtual threads the virtual-computer benchmarks share (bench-vc on the embedded peer,
// bench-vc-agents through agents), so that both measure the same work. tasks.cpp is compiled
// into each of those programs, with the plugin.
#pragma once

#include <ppp2p/ppp2p.hpp>

/// Returns x: a VT with no work, for spawn throughput.
[[ppp2p::checkpointable]] int empty_task(int x);

/// Counts the primes in [from, to] by trial division, with a site every 4096 numbers.
[[ppp2p::checkpointable]] long long count_primes(long long from, long long to);
