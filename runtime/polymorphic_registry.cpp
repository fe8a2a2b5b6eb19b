// The registry of classes owned through smart pointers to a polymorphic base
// (detail/polymorphic_owners.hpp): filled at static initialisation by the plugin's
// registrations, read by every encoding and decoding of such a pointer. Keyed by type_info
// names, since a class's type_info may exist once per shared object.
#include "demangle.hpp"

#include <ppp2p/detail/polymorphic_owners.hpp>

#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace ppp2p::detail {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::pair<std::string, std::string>, polymorphic_entry, std::less<>> entries;
};

Registry& registry() {
  static Registry* instance = new Registry; // never destroyed: used by static destructors too
  return *instance;
}

} // namespace

bool register_polymorphic(const polymorphic_entry& entry) noexcept {
  try {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    r.entries.try_emplace({entry.base->name(), entry.derived->name()}, entry);
  } catch (...) {
    // Out of memory at static initialisation: the class then fails its encoding by name.
  }
  return true;
}

const polymorphic_entry* find_polymorphic(const std::type_info& base,
                                          std::string_view derived_name) noexcept {
  try {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    auto found = r.entries.find(std::pair<std::string, std::string>(base.name(), derived_name));
    return found == r.entries.end() ? nullptr : &found->second;
  } catch (...) {
    return nullptr;
  }
}

std::string class_name(const std::type_info& type) {
  return demangle(type.name());
}

} // namespace ppp2p::detail
