// The byte layout of a snapshot:
//
//   offset 0   "PPP2PSNP"
//          8   u32 format version
//         12   u32 reserved, 0
//         16   u64 size of the frame stream
//         24   u64 size of the body
//         32   frame stream, zero-padded to a multiple of 8
//          .   body: a SnapshotBody FlatBuffer (function table, counts, runtime state)
//    end - 16  XXH3-128 of everything before it
//
// Frame stream, root first; per frame: varint function index, varint site index, then the
// bytes of each slot live at that site (raw slots: their size; codec slots: self-delimiting).
// The frames come first so that a capture encodes them straight into the snapshot's buffer;
// the checksum is verified before anything else is parsed.
#pragma once

#include <ppp2p/detail/byte_io.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace ppp2p::detail {

inline constexpr std::uint32_t kSnapshotFormatVersion = 2;

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
  std::span<const std::byte> frames;         // view into the snapshot's bytes
  std::span<const std::byte> runtime_state;  // view into the snapshot's bytes
  std::span<const std::byte> root_arguments; // view into the snapshot's bytes
};

/// "x86_64-linux itanium-c++ frame-abi-1": snapshots resume only where this matches.
const char* this_platform() noexcept;

/// Builds one snapshot in place: frames are encoded directly into the final buffer.
class SnapshotBuilder {
public:
  /// `expected_size`: a guess of the final size, to allocate once.
  explicit SnapshotBuilder(std::size_t expected_size = 0);
  Writer& frames() { return frames_; }
  std::vector<std::byte> finish(const std::string& root_return_type,
                                const std::vector<FunctionRef>& functions,
                                std::uint32_t frame_count, std::span<const std::byte> runtime_state,
                                std::span<const std::byte> root_arguments = {});

private:
  std::vector<std::byte> bytes_;
  Writer frames_;
};

/// Encodes a snapshot around an already encoded frame stream.
std::vector<std::byte> encode_snapshot(const std::string& root_return_type,
                                       const std::vector<FunctionRef>& functions,
                                       std::uint32_t frame_count, std::span<const std::byte> frames,
                                       std::span<const std::byte> runtime_state,
                                       std::span<const std::byte> root_arguments = {});

/// Checks header, sizes, checksum, body structure and platform. Throws ppp2p::snapshot_error.
/// The returned views point into `bytes`, which must be 8-byte aligned.
SnapshotContents decode_snapshot(std::span<const std::byte> bytes);

} // namespace ppp2p::detail
