// Vtable pointers of polymorphic objects moved field by field (detail/plugin_codecs.hpp): saved
// as their place in read-only memory of a loaded module, like any constant address, and
// checked on load against the Itanium C++ ABI's vtable prefix — the offset to the top of the
// object, then the most derived class's type_info — so that a damaged or foreign snapshot
// cannot give an object a vtable of another class.
#include "constant_addresses.hpp"
#include "demangle.hpp"

#include <ppp2p/detail/plugin_codecs.hpp>
#include <ppp2p/errors.hpp>

#include <cstdint>
#include <cstring>
#include <string>

namespace ppp2p::detail {

void save_vtable_pointer(Writer& out, const void* vptr) {
  std::string why;
  std::optional<ConstantAddress> where = locate_constant(vptr, why);
  if (!where)
    throw error(errc::capture_failed,
                "an object's vtable pointer does not point into read-only memory of a loaded "
                "module (" +
                    why + "): the object is damaged or not of its declared class");
  write_constant(out, *where);
}

const void* load_vtable_pointer(Reader& in, const std::type_info* most_derived,
                                std::ptrdiff_t offset_to_top) {
  const void* vptr = read_constant(in);
  // The two words before the address point: offset to top, then the type_info pointer. They
  // must lie in the same read-only memory before they are read.
  auto* prefix = static_cast<const std::byte*>(vptr) - 2 * sizeof(void*);
  std::string why;
  if (!locate_constant(prefix, why))
    in.fail("a vtable pointer at the start of read-only memory, with no room for a vtable");
  std::ptrdiff_t found_offset;
  const void* found_type;
  std::memcpy(&found_offset, prefix, sizeof found_offset);
  std::memcpy(&found_type, prefix + sizeof(void*), sizeof found_type);
  if (found_offset != offset_to_top)
    in.fail("a vtable pointer for a subobject " + std::to_string(-found_offset) +
            " bytes into its object where " + std::to_string(-offset_to_top) + " was expected");
  if (most_derived && found_type != most_derived)
    in.fail("a vtable pointer that is not one of `" + demangle(most_derived->name()) + "`");
  return vptr;
}

} // namespace ppp2p::detail
