// Module-relative addresses: the program's executable is the module every executor runs, so a
// function is named across processes by its offset from the executable's load address.
#include <ppp2p/detail/vt_entry.hpp>

#include <dlfcn.h>

#include <mutex>
#include <unordered_set>

namespace ppp2p::detail {
namespace {

const unsigned char* executable_base() {
  static const unsigned char* base = [] {
    Dl_info info{};
    dladdr(reinterpret_cast<const void*>(&executable_base), &info);
    return static_cast<const unsigned char*>(info.dli_fbase);
  }();
  return base;
}

struct EntryRegistry {
  std::mutex mutex;
  std::unordered_set<EntryFunction> entries;
};

EntryRegistry& entries() {
  static EntryRegistry* registry = new EntryRegistry; // used from static initialisers
  return *registry;
}

} // namespace

bool register_entry(EntryFunction entry) noexcept {
  std::lock_guard lock(entries().mutex);
  entries().entries.insert(entry);
  return true;
}

bool is_registered_entry(EntryFunction entry) noexcept {
  std::lock_guard lock(entries().mutex);
  return entries().entries.count(entry) != 0;
}

std::uint64_t module_offset(const void* address) {
  Dl_info info{};
  if (!dladdr(address, &info) || info.dli_fbase != executable_base())
    throw error(errc::spawn_refused, "the function is not part of the program's executable "
                                     "(functions in shared libraries cannot be spawned yet)");
  return std::uint64_t(static_cast<const unsigned char*>(address) - executable_base());
}

void* module_address(std::uint64_t offset) noexcept {
  return const_cast<unsigned char*>(executable_base() + offset);
}

} // namespace ppp2p::detail
