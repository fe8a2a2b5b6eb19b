// Readable type names for error messages.
#pragma once

#include <string>

namespace ppp2p::detail {

/// The demangled form of a typeid name ("std::vector<int>" for "St6vectorIiSaIiEE"), or the
/// name itself if it does not demangle.
std::string demangle(const char* name);

} // namespace ppp2p::detail
