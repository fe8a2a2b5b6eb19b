// Descriptors of the checkpointable functions linked into this program, by id.
#pragma once

#include <ppp2p/detail/frame_abi.hpp>

#include <cstdint>
#include <string>

namespace ppp2p::detail {

/// The descriptor registered under `id`, or null. Thread-safe.
const FunctionDescriptor* find_function(std::uint64_t id) noexcept;

/// The descriptor of the checkpointable function at `address`, or null. Thread-safe.
const FunctionDescriptor* find_function_at(const void* address) noexcept;

/// The id of the function the this-adjusting thunk at `address` enters, or 0. Thread-safe.
std::uint64_t thunk_target(const void* address) noexcept;

/// Non-empty when two different layouts were registered under `id` (an ODR violation: the
/// same function compiled differently in two translation units); says which.
std::string function_conflict(std::uint64_t id);

} // namespace ppp2p::detail
