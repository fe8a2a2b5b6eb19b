#include "function_registry.hpp"

#include <mutex>
#include <unordered_map>

namespace ppp2p::detail {
namespace {

struct Registry {
  std::mutex mutex;
  std::unordered_map<std::uint64_t, const FunctionDescriptor*> by_id;
  std::unordered_map<std::uint64_t, std::string> conflicts;
  std::unordered_map<const void*, const FunctionDescriptor*> by_address;
  std::unordered_map<const void*, std::uint64_t> thunk_targets;
};

Registry& registry() {
  static Registry* instance = new Registry; // never destroyed: used from other destructors
  return *instance;
}

} // namespace

const FunctionDescriptor* find_function(std::uint64_t id) noexcept {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.by_id.find(id);
  return it == r.by_id.end() ? nullptr : it->second;
}

const FunctionDescriptor* find_function_at(const void* address) noexcept {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.by_address.find(address);
  return it == r.by_address.end() ? nullptr : it->second;
}

std::uint64_t thunk_target(const void* address) noexcept {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.thunk_targets.find(address);
  return it == r.thunk_targets.end() ? 0 : it->second;
}

std::string function_conflict(std::uint64_t id) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.conflicts.find(id);
  return it == r.conflicts.end() ? std::string() : it->second;
}

} // namespace ppp2p::detail

extern "C" void __ppp2p_register(const ppp2p::detail::FunctionDescriptor* const* functions,
                                 std::size_t count) noexcept {
  using namespace ppp2p::detail;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (std::size_t i = 0; i < count; ++i) {
    const FunctionDescriptor* f = functions[i];
    if (f->abi_version != kFrameAbiVersion) {
      r.conflicts[f->id] = std::string(f->display_name) + " was compiled for frame ABI " +
                           std::to_string(f->abi_version) + ", the runtime has " +
                           std::to_string(kFrameAbiVersion);
      continue;
    }
    if (f->function)
      r.by_address.emplace(f->function, f);
    auto [it, inserted] = r.by_id.emplace(f->id, f);
    if (!inserted && it->second != f && it->second->fingerprint != f->fingerprint)
      r.conflicts[f->id] = std::string(f->display_name) +
                           " is defined with two different layouts in this program (was one "
                           "translation unit compiled with other flags or an older header?)";
  }
}

extern "C" void __ppp2p_register_thunks(const ppp2p::detail::ThunkEntry* thunks,
                                        std::size_t count) noexcept {
  using namespace ppp2p::detail;
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (std::size_t i = 0; i < count; ++i)
    r.thunk_targets.emplace(thunks[i].thunk, thunks[i].target_id);
}
