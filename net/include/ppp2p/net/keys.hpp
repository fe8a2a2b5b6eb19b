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
  // Loads <dir>/identity.key, or creates it (mode 0600) with <dir>/identity.pub beside it.
  // Fails with a clear error when the file exists but is unreadable, too open or malformed.
  static Result<Identity> load_or_create(const std::filesystem::path& dir);
};

struct ClusterKey {
  std::array<std::uint8_t, 32> bytes{};
  // Reads a file holding at least 32 bytes of secret; the key is a BLAKE2b hash of all of it,
  // so text and binary files both work (a trailing newline is part of the secret).
  static Result<ClusterKey> load(const std::filesystem::path& file);
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
