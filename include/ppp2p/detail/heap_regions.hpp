// Heap memory owned by objects, in the order their codecs meet it: a vector's elements, a long
// string's characters, a unique_ptr's or shared_ptr's object, each node of a list, deque, map
// or set. It is how a pointer into such memory is captured as (the object, the region's
// ordinal, an offset) and found again in the restored object, whose codec meets the same
// regions in the same order. Codecs report regions only while the frame runtime collects them
// (when it looks for a pointer's target), so encoding costs one thread-local load otherwise.
#pragma once

#include <cstddef>
#include <vector>

namespace ppp2p::detail {

struct HeapRegion {
  const std::byte* base;
  std::size_t bytes;
};

/// Set by the frame runtime around the codec call whose regions it collects.
inline thread_local std::vector<HeapRegion>* heap_region_log = nullptr;

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

inline void note_heap_region(const void* base, std::size_t bytes) {
  if (std::vector<HeapRegion>* log = heap_region_log)
    log->push_back({static_cast<const std::byte*>(base), bytes});
}

} // namespace ppp2p::detail
