// Where an object a raw pointer reaches may live, for include/ppp2p/detail/tracked_pointers.hpp:
// the heap (tracked: moved once, rebuilt with new), read-only memory of a module (moved as its
// place), or somewhere a snapshot cannot take it from (refused, naming the class).
#include "constant_addresses.hpp"

#include <ppp2p/codec.hpp>
#include <ppp2p/errors.hpp>

#include <link.h>
#include <pthread.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#include <sanitizer/allocator_interface.h>
#define PPP2P_SANITIZER_ALLOCATOR 1
#endif
#if __has_feature(address_sanitizer)
#include <sanitizer/asan_interface.h>
#include <sanitizer/lsan_interface.h>
#define PPP2P_ADDRESS_SANITIZER 1
#endif
#endif

namespace ppp2p::detail {
namespace {

struct Segment {
  std::uintptr_t begin, end;
  bool writable;
  const char* module;
};

/// The loaded modules' segments, rebuilt when a module was loaded or unloaded since.
struct ModuleMap {
  unsigned long long adds = ~0ull, subs = ~0ull;
  std::vector<Segment> segments; // sorted by begin

  static int counters(dl_phdr_info* info, std::size_t size, void* data) {
    auto* out = static_cast<std::pair<unsigned long long, unsigned long long>*>(data);
    if (size >= offsetof(dl_phdr_info, dlpi_subs) + sizeof(info->dlpi_subs))
      *out = {info->dlpi_adds, info->dlpi_subs};
    return 1;
  }

  static int collect(dl_phdr_info* info, std::size_t, void* data) {
    auto& segments = *static_cast<std::vector<Segment>*>(data);
    const char* name = info->dlpi_name && *info->dlpi_name ? info->dlpi_name : "the program";
    for (int i = 0; i < info->dlpi_phnum; ++i) {
      const ElfW(Phdr)& header = info->dlpi_phdr[i];
      if (header.p_type == PT_LOAD)
        segments.push_back({info->dlpi_addr + header.p_vaddr,
                            info->dlpi_addr + header.p_vaddr + header.p_memsz,
                            (header.p_flags & PF_W) != 0, name});
    }
    return 0;
  }

  const Segment* find(std::uintptr_t address) {
    std::pair<unsigned long long, unsigned long long> now{0, 0};
    dl_iterate_phdr(counters, &now);
    if (now.first != adds || now.second != subs || now.first == 0) {
      segments.clear();
      dl_iterate_phdr(collect, &segments);
      std::sort(segments.begin(), segments.end(),
                [](const Segment& a, const Segment& b) { return a.begin < b.begin; });
      adds = now.first;
      subs = now.second;
    }
    auto after = std::upper_bound(segments.begin(), segments.end(), address,
                                  [](std::uintptr_t a, const Segment& s) { return a < s.begin; });
    if (after == segments.begin())
      return nullptr;
    const Segment& segment = *(after - 1);
    return address < segment.end ? &segment : nullptr;
  }
};

/// This thread's stack, [begin, end).
std::pair<std::uintptr_t, std::uintptr_t> thread_stack() {
  thread_local std::pair<std::uintptr_t, std::uintptr_t> stack{0, 0};
  if (stack.second == 0) {
    pthread_attr_t attributes;
    if (pthread_getattr_np(pthread_self(), &attributes) == 0) {
      void* base = nullptr;
      std::size_t size = 0;
      if (pthread_attr_getstack(&attributes, &base, &size) == 0)
        stack = {reinterpret_cast<std::uintptr_t>(base),
                 reinterpret_cast<std::uintptr_t>(base) + size};
      pthread_attr_destroy(&attributes);
    }
  }
  return stack;
}

[[noreturn]] void refuse(const std::type_info& type, const std::string& where) {
  throw error(errc::encode_failed,
              "a raw pointer to a `" + class_name(type) + "` points " + where +
                  ", so the object cannot move with it (raw pointers move the objects made with "
                  "`new` that they reach; point to one of those, own the object with a "
                  "std::unique_ptr, or keep an index instead)");
}

} // namespace

bool save_untracked_place(Writer& out, const void* object, std::size_t bytes,
                          const std::type_info& type) {
  auto address = reinterpret_cast<std::uintptr_t>(object);
  auto [stack_begin, stack_end] = thread_stack();
  bool on_stack = address >= stack_begin && address < stack_end;
#ifdef PPP2P_ADDRESS_SANITIZER
  // ASan may keep locals in a fake stack of its own (detect_stack_use_after_return).
  if (void* fake = __asan_get_current_fake_stack())
    on_stack |=
        __asan_addr_is_in_fake_stack(fake, const_cast<void*>(object), nullptr, nullptr) != nullptr;
#endif
  if (on_stack)
    refuse(type, "into the stack of this thread (a local variable, or a member of one)");
  thread_local ModuleMap modules;
  if (const Segment* segment = modules.find(address)) {
    std::string why;
    if (std::optional<ConstantAddress> constant = locate_constant(object, why)) {
      out.varint(std::uint64_t(TrackedTag::constant));
      write_constant(out, *constant);
      return true;
    }
    refuse(type, segment->writable ? std::string("into writable memory of ") + segment->module +
                                         " (a mutable global variable)"
                                   : why);
  }
#ifdef PPP2P_SANITIZER_ALLOCATOR
  if (!__sanitizer_get_ownership(object) || __sanitizer_get_allocated_size(object) < bytes)
    refuse(type, "to memory that is not the start of an object made with `new` (an element of "
                 "an array or a container, or a member of another object)");
#else
  (void)bytes;
#endif
  return false;
}

void check_raw_objects(const TrackedObjects& session, std::vector<HeapRegion>& regions) {
  std::sort(regions.begin(), regions.end(),
            [](const HeapRegion& a, const HeapRegion& b) { return a.base < b.base; });
  // The furthest end of the regions up to each one: a region that begins before an address
  // holds it if any of those ends after it.
  std::vector<const HeapRegion*> furthest(regions.size());
  for (std::size_t i = 0; i < regions.size(); ++i)
    furthest[i] = i == 0 || regions[i].base + regions[i].bytes >
                                furthest[i - 1]->base + furthest[i - 1]->bytes
                      ? &regions[i]
                      : furthest[i - 1];
  for (const TrackedObject& object : session.objects) {
    if (object.owner != TrackedOwner::raw || !object.address)
      continue;
    const auto* address = static_cast<const std::byte*>(object.address);
    auto first_at = std::lower_bound(
        regions.begin(), regions.end(), address,
        [](const HeapRegion& region, const std::byte* at) { return region.base < at; });
    const HeapRegion* holder = nullptr;
    if (first_at != regions.begin()) {
      const HeapRegion* before = furthest[std::size_t(first_at - regions.begin()) - 1];
      if (before->base + before->bytes > address)
        holder = before;
    }
    // A region that begins at the object: its own (written as an object), or a container's
    // first element.
    for (auto at = first_at; !holder && at != regions.end() && at->base == address; ++at)
      if (!at->tracked_object)
        holder = &*at;
    if (holder)
      refuse(*object.type,
             holder->tracked_object
                 ? "inside another object that a raw pointer reaches (a member of it)"
                 : "inside memory that another object owns and moves (an element of a "
                   "container, an object a smart pointer owns, or a member of one)");
  }
}

StackReserve owned_object_stack_reserve() noexcept {
  // Room left for what runs past the last check: one link's codecs, the throw.
  constexpr std::uintptr_t kReserve = 256 * 1024;
  auto [begin, end] = thread_stack();
  if (end - begin <= 2 * kReserve)
    return {};
  return {begin, begin + kReserve};
}

void fail_nested_too_deep(const std::type_info& type) {
  throw error(errc::encode_failed,
              "objects of class `" + class_name(type) +
                  "` owned by smart pointers nested in each other (a list or a chain linked by "
                  "unique_ptr or shared_ptr) are nested too deeply to move on this thread's "
                  "stack, which each link's encoding uses; link long chains by raw pointers to "
                  "objects made with new (moved without recursion), or keep the nodes in a "
                  "vector and link them by index");
}

void abandon_storage([[maybe_unused]] void* storage) noexcept {
#ifdef PPP2P_ADDRESS_SANITIZER
  __lsan_ignore_object(storage);
#endif
}

const void* load_constant_place(Reader& in) {
  return read_constant(in);
}

TrackedObjects& current_tracked_objects() {
  if (!tracked_objects)
    throw std::logic_error("ppp2p: a pointer or smart pointer encoded or decoded outside "
                           "ppp2p::encode and ppp2p::decode (call those, not codec<T> directly)");
  return *tracked_objects;
}

void fail_tracked_type(const std::type_info& first, const std::type_info& second) {
  throw error(errc::encode_failed, "one object is reached both as a `" + class_name(first) +
                                       "` and as a `" + class_name(second) +
                                       "` (a class and its first member?): the encoding "
                                       "cannot tell which to build");
}

void fail_tracked_dynamic(const std::type_info& pointer, const std::type_info& object) {
  throw error(errc::encode_failed,
              "a raw pointer to `" + class_name(pointer) + "` points to an object of class `" +
                  class_name(object) +
                  "`, derived from it: raw pointers to a base move only objects of that class; "
                  "own the object with a std::unique_ptr<" +
                  class_name(pointer) + "> (which moves it as its class)");
}

void fail_tracked_twice(const std::type_info& type) {
  throw error(errc::capture_failed,
              "an object of class `" + class_name(type) +
                  "` is reached both from the captured frames and from an argument of the root "
                  "function, which moves apart from them (each would rebuild its own copy); "
                  "take the argument by value, or reach the object through the argument only");
}

} // namespace ppp2p::detail
