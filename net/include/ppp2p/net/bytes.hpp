// Byte buffers as the network core passes them around.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace ppp2p::net {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

} // namespace ppp2p::net
