// The byte layout of a snapshot: a fixed header, a FlatBuffers body, a BLAKE2b checksum.
//
//   "PPP2PSNP" | u32 format version | u32 body size | body (SnapshotBody) | 16-byte BLAKE2b
//
// The checksum covers everything before it, so corruption is refused before anything is parsed
// beyond the header; the body then passes the FlatBuffers verifier.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ppp2p::detail {

inline constexpr std::uint32_t kSnapshotFormatVersion = 1;

struct FunctionRef {
  std::uint64_t id = 0;
  std::uint64_t fingerprint = 0;
  std::string name;
};

struct SnapshotContents {
  std::string platform;
  std::string root_return_type;
  std::vector<FunctionRef> functions;
  std::uint32_t frame_count = 0;
  std::span<const std::byte> frames;        // view into the snapshot's bytes
  std::span<const std::byte> runtime_state; // view into the snapshot's bytes
};

/// "x86_64-linux itanium-c++ frame-abi-1": snapshots resume only where this matches.
const char* this_platform() noexcept;

/// Encodes a snapshot around an already encoded frame stream.
std::vector<std::byte> encode_snapshot(const std::string& root_return_type,
                                       const std::vector<FunctionRef>& functions,
                                       std::uint32_t frame_count,
                                       std::span<const std::byte> frames,
                                       std::span<const std::byte> runtime_state);

/// Checks header, size, checksum, body structure and platform. Throws ppp2p::snapshot_error.
/// The returned views point into `bytes`, which must be 8-byte aligned.
SnapshotContents decode_snapshot(std::span<const std::byte> bytes);

} // namespace ppp2p::detail
