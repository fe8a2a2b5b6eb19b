// Load balancing by migration (VirtualComputer::Options::balance_load): a task farm on one fast
// and one slow worker agent (the slow one really slowed by a CPU quota, and advertising it),
// with and without balancing, measured in the same run.
#pragma once

#include <filesystem>
#include <string>

namespace bench {

/// Prints a table. Returns 0, or 1 if the runs disagree on the result, a run without balancing
/// moved a VT, or no run with it moved any (the slow worker's VT is 4 units of time behind: the
/// move does not depend on timing luck); 77 (skipped) without a writable cgroup CPU controller
/// (root) for the slow worker's quota.
int run_balance(const std::string& runtime, const std::filesystem::path& root, int repeat);

} // namespace bench
