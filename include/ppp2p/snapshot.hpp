// Snapshot: the captured state of a chain of checkpointable frames, as bytes.
#pragma once

#include <ppp2p/errors.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace ppp2p {

/// One captured chain of frames (root first) with the sites they were at and their live state.
/// Its bytes are self-describing and checksummed; they can be written anywhere and resumed by
/// any process running the same program build.
class Snapshot {
public:
  Snapshot() = default;

  /// The encoded snapshot, contiguous.
  std::span<const std::byte> bytes() const noexcept { return bytes_; }

  /// Reads a snapshot from bytes produced by bytes(). Throws ppp2p::snapshot_error, naming what
  /// is wrong, for truncated, corrupted, foreign, or other-version input; never reads out of
  /// bounds. Whether this program can resume it is checked when it is resumed.
  static Snapshot from_bytes(std::span<const std::byte> bytes);

  /// Number of frames in the chain.
  std::size_t frame_count() const;
  /// Display name of the outermost (root) function, e.g. "evolve(Problem, Params)".
  std::string root_function() const;
  /// One line per frame, root first: function, site (file:line:column where known), bytes.
  std::string describe() const;

  /// Internal: wraps already validated bytes.
  static Snapshot adopt_validated(std::vector<std::byte> bytes);

private:
  std::vector<std::byte> bytes_;
};

} // namespace ppp2p
