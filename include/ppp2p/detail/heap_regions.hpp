// Heap memory owned by objects, in the order their codecs meet it: a vector's elements, a long
// string's characters, a unique_ptr's or shared_ptr's object, each node of a list, map or set,
// ordered or not (links and element), each element of a deque. It is how a pointer into such
// memory is captured as (the object, the region's ordinal, an offset) and found again in the
// restored object, whose codec meets the same regions in the same order. Codecs report regions
// only while the frame runtime collects them (when it looks for a pointer's target), so
// encoding costs one thread-local load otherwise.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace ppp2p::detail {

struct HeapRegion {
  const std::byte* base;
  std::size_t bytes;
  bool tracked_object = false; // an object a raw pointer reached, moved on its own
};

/// Set by the frame runtime around the codec call whose regions it collects.
inline thread_local std::vector<HeapRegion>* heap_region_log = nullptr;

/// Collects the heap regions codecs report on this thread while it lives.
class LogHeapRegions {
public:
  LogHeapRegions() : saved_(std::exchange(heap_region_log, &regions)) {}
  ~LogHeapRegions() { heap_region_log = saved_; }
  LogHeapRegions(const LogHeapRegions&) = delete;
  LogHeapRegions& operator=(const LogHeapRegions&) = delete;
  std::vector<HeapRegion> regions;

private:
  std::vector<HeapRegion>* saved_;
};

inline constexpr std::size_t kNoHeapRegion = ~std::size_t(0);

/// Takes the next ordinal before the object's contents are encoded or decoded (their own
/// regions follow it), for a region whose address is known only afterwards (make_unique).
inline std::size_t begin_heap_region() {
  std::vector<HeapRegion>* log = heap_region_log;
  if (!log)
    return kNoHeapRegion;
  log->push_back({nullptr, 0});
  return log->size() - 1;
}

inline void set_heap_region(std::size_t ordinal, const void* base, std::size_t bytes) {
  if (std::vector<HeapRegion>* log = heap_region_log; log && ordinal < log->size())
    (*log)[ordinal] = {static_cast<const std::byte*>(base), bytes};
}

inline void note_heap_region(const void* base, std::size_t bytes, bool tracked_object = false) {
  if (std::vector<HeapRegion>* log = heap_region_log)
    log->push_back({static_cast<const std::byte*>(base), bytes, tracked_object});
}

/// The region of the element `at` refers to. In a node container (list, forward_list, map,
/// set, their unordered and multi- variants) with libstdc++, its whole node, links first: an
/// iterator a user keeps is a pointer to the node, which then relocates like any pointer into
/// the region (libstdc++'s node iterators hold the node as their only member, _M_node, or
/// _M_cur in unordered containers). Else the element.
template <class Iterator> std::pair<const void*, std::size_t> element_region(const Iterator& at) {
  const auto* element = reinterpret_cast<const std::byte*>(std::addressof(*at));
  std::size_t bytes = sizeof(*at);
#if defined(__GLIBCXX__)
  using Category = typename std::iterator_traits<Iterator>::iterator_category;
  if constexpr (!std::is_base_of_v<std::random_access_iterator_tag, Category> &&
                requires { at._M_node; }) {
    const auto* node = reinterpret_cast<const std::byte*>(at._M_node);
    return {node, std::size_t(element + bytes - node)};
  } else if constexpr (requires { at._M_cur; }) { // an unordered container's node
    const auto* node = reinterpret_cast<const std::byte*>(at._M_cur);
    return {node, std::size_t(element + bytes - node)};
  }
#endif
  return {element, bytes};
}

template <class Iterator> void note_element_region(const Iterator& at) {
  if (heap_region_log) {
    auto [base, bytes] = element_region(at);
    note_heap_region(base, bytes);
  }
}

template <class Iterator> void set_element_region(std::size_t ordinal, const Iterator& at) {
  if (heap_region_log && ordinal != kNoHeapRegion) {
    auto [base, bytes] = element_region(at);
    set_heap_region(ordinal, base, bytes);
  }
}

} // namespace ppp2p::detail
