// Cluster key files as the agent's user sees them: `ppp2p-runtime keygen FILE` creates one,
// and a file the agent refuses is explained with what to do instead.
#pragma once

#include <filesystem>
#include <string>
#include <system_error>

namespace ppp2p::agent {

// `ppp2p-runtime keygen FILE`: writes 32 random bytes to FILE (mode 0600, atomically), never
// replacing an existing file. Prints what it did (stdout) or why not (stderr); the exit status.
int run_keygen(const std::filesystem::path& file);

// Why `file` cannot serve as the cluster key (ec from net::ClusterKey::load), with its mode
// or size where they are the problem, and how to make a good one.
std::string explain_refused_key_file(const std::filesystem::path& file, std::error_code ec);

} // namespace ppp2p::agent
