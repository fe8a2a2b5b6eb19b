// Addresses in the read-only memory of a loaded module (string literals, const globals, code,
// vtables) as (the module's build id, offset from its load address): the same in every process
// that loaded the same file, wherever it was loaded. What a relocated pointer becomes when it
// points outside the captured frames.
#pragma once

#include <ppp2p/detail/byte_io.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace ppp2p::detail {

struct ConstantAddress {
  std::vector<std::uint8_t> build_id; // NT_GNU_BUILD_ID of the module
  std::uint64_t offset;               // from the module's load address
};

/// Where `address` lies, if it lies in read-only memory (a segment without write permission,
/// or one made read-only after relocation, PT_GNU_RELRO) of a module with a build id.
/// Otherwise nothing, and `why` says where it lies instead (writable memory of a module, a
/// module without a build id, or no module: the heap or a stack).
std::optional<ConstantAddress> locate_constant(const void* address, std::string& why);

/// The address in this process of `where`, or null if no loaded module has that build id or
/// the offset is not in its read-only memory.
const void* resolve_constant(const ConstantAddress& where);

/// Encodes `where` (the build id's length and bytes, then the offset).
void write_constant(Writer& out, const ConstantAddress& where);
/// Decodes what write_constant wrote and resolves it; fails `in` (a snapshot_error) naming the
/// module if this process has not loaded it.
const void* read_constant(Reader& in);

} // namespace ppp2p::detail
