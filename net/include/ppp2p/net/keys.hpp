// Long-term keys: an agent's identity (an Ed25519 key pair kept in its data dir), the cluster
// secret every member knows, and an optional allow-list of public keys.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "ppp2p/net/result.hpp"

namespace ppp2p::net {

// Makes libsodium ready; idempotent and thread-safe. Every crypto entry point calls it.
void crypto_init();

struct PublicKey {
  std::array<std::uint8_t, 32> bytes{};

  std::string hex() const;
  // The first 8 hex digits: enough to tell members apart in logs.
  std::string short_hex() const { return hex().substr(0, 8); }
  static Result<PublicKey> from_hex(std::string_view text);
  friend auto operator<=>(const PublicKey&, const PublicKey&) = default;
};

struct Identity {
  PublicKey public_key;
  std::array<std::uint8_t, 64> secret_key{}; // libsodium's Ed25519 secret key (seed + public)

  static Identity generate();
  // Loads <dir>/identity.key, or creates it (mode 0600) with <dir>/identity.pub beside it,
  // each written atomically, so a crash never leaves a torn key; a missing identity.pub is
  // written again. Fails with a clear error when the key is unreadable, too open or malformed.
  static Result<Identity> load_or_create(const std::filesystem::path& dir);
};

// The secret every member of a cluster has. It must be 32 random bytes: a guessable secret
// could be found offline from one handshake (net/README.md, "Links").
struct ClusterKey {
  std::array<std::uint8_t, 32> bytes{};
  // Reads a cluster key file: exactly 32 bytes, or the same as 64 hex digits with an optional
  // newline (both forms of one secret give the same key), readable by its owner only.
  // Errors: key_file_too_open, key_file_wrong_length, or the system's (ENOENT...).
  static Result<ClusterKey> load(const std::filesystem::path& file);
  // Writes 32 random bytes to a new file, mode 0600, atomically (private_file.hpp); refuses
  // to replace an existing file (std::errc::file_exists).
  static Result<void> generate_file(const std::filesystem::path& file);
  // The key of a secret: a BLAKE2b hash of it, keyed by context.
  static ClusterKey from_secret(std::string_view secret);
};

// A file of hex public keys, one per line; '#' starts a comment.
Result<std::set<PublicKey>> load_allow_list(const std::filesystem::path& file);

// What a side of a link needs to authenticate and be authenticated.
struct Credentials {
  Identity identity;
  std::optional<ClusterKey> cluster;          // must match the peer's
  std::optional<std::set<PublicKey>> allowed; // if set, peers must be on it
};

} // namespace ppp2p::net
