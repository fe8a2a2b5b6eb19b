// The chaos benchmark: the TSP workload on a cluster of agents, one worker SIGKILLed every few
// seconds and restarted on its data dir, against a fault-free run of the same islands.
#pragma once

#include <filesystem>
#include <string>

namespace bench {

struct ChaosOptions {
  int agents = 8;         // worker agents (one slot each), besides the client's own
  int islands = 6;        // VTs: TSP islands, isolated (deterministic by seed)
  int generations = 2000; // per island
  double kill_every_s = 5;
};

/// Prints a table; returns true if nothing was lost or done twice and every island's result
/// equals the fault-free run's.
bool run_chaos(const std::string& runtime, const std::filesystem::path& root,
               const ChaosOptions& options);

} // namespace bench
