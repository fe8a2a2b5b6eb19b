// FlatBuffers reads scalars in place, so a frame must start 8-byte aligned before it is
// verified and read. Frames read from a stream, or nested in another frame, sit at any offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ppp2p::detail {

/// `frame` itself when it starts 8-byte aligned, else a view of an aligned copy of it kept in
/// `storage` (operator new aligns to 16), which must outlive the result.
inline std::span<const std::byte> aligned_frame(std::span<const std::byte> frame,
                                                std::vector<std::byte>& storage) {
  if (reinterpret_cast<std::uintptr_t>(frame.data()) % 8 == 0)
    return frame;
  storage.assign(frame.begin(), frame.end());
  return storage;
}

} // namespace ppp2p::detail
