// The entry points transformed code calls: the thread state, capture at a checkpoint() site, and
// re-entry of one frame in restore mode.
#include "capture_context.hpp"
#include "frame_encoding.hpp"
#include "pointer_relocation.hpp"
#include "slot_access.hpp"

#include <ppp2p/checkpoint.hpp>
#include <ppp2p/codec.hpp>
#include <ppp2p/detail/frame_abi.hpp>

#include <cstdlib>
#include <cstring>
#include <utility>
#include <vector>

using namespace ppp2p::detail;

extern "C" {

__attribute__((tls_model("initial-exec"))) thread_local constinit ThreadState __ppp2p_thread{};

alignas(64) unsigned char __ppp2p_restore_scratch[4096];

bool __ppp2p_capture(FrameRecord* record) {
  ThreadState& thread = __ppp2p_thread;
  thread.site_caller = nullptr;
  // checkpoint() returns true here if the VT resumed at a library site since the last one.
  bool resumed = std::exchange(thread.resume_unreported, 0u) != 0;
  CaptureContext* context = thread.context;
  if (context && context->cancel.load(std::memory_order_relaxed))
    throw vt_cancelled{};
  if (!context || context->mode == CaptureMode::never) {
    if (resumed)
      std::atomic_ref<std::uint32_t>(thread.capture_due).store(0);
    return resumed;
  }
  if (context->mode == CaptureMode::on_request) {
    // Not due again until the next request. Requests set their flag, then capture_due (all
    // sequentially consistent): one that lands after this reset is seen by the loads below.
    std::atomic_ref<std::uint32_t>(thread.capture_due).store(0);
    if (context->cancel.load())
      throw vt_cancelled{};
    if (!context->capture_requested.load())
      return resumed;
  }
  std::optional<ppp2p::Snapshot> snapshot =
      capture_chain(record, &context->root, context->root_arguments);
  if (!snapshot) {
    ++context->skipped;
    if (context->mode == CaptureMode::on_request) // try again at the next site
      std::atomic_ref<std::uint32_t>(thread.capture_due).store(1);
    return resumed;
  }
  if (context->mode == CaptureMode::on_request)
    context->capture_requested.store(false);
  if (context->sink)
    context->sink(std::move(*snapshot));
  else
    context->snapshots.push_back(std::move(*snapshot));
  return resumed;
}

const void* __ppp2p_restore_callee() {
  ThreadState& thread = __ppp2p_thread;
  RestoreState* state = thread.restoring;
  // plan_restore checked that a frame follows every call site; a call of this elsewhere is a
  // broken program, not a broken snapshot.
  if (!state || state->next >= state->frames.size())
    std::abort();
  return state->frames[state->next].function->function;
}

std::uint32_t __ppp2p_restore_frame(const FunctionDescriptor* function, FrameRecord* record) {
  ThreadState& thread = __ppp2p_thread;
  RestoreState& state = *thread.restoring;
  const RestoreFrame& frame = state.frames[state.next];
  if (frame.function->id != function->id) {
    thread.restoring = nullptr;
    throw ppp2p::snapshot_error(ppp2p::errc::layout_mismatch,
                                std::string("re-entering the snapshot reached `") +
                                    function->display_name + "` where it holds `" +
                                    frame.function->display_name + "`");
  }
  const SiteDescriptor& site = function->sites[frame.site];
  ppp2p::Reader in(frame.payload, std::size_t(frame.end - frame.payload));
  // Objects built so far, destroyed again if a later one fails: nothing of this frame runs,
  // and the caller frames unwind normally (their own slots are complete).
  std::vector<const SlotDescriptor*> built;
  struct Deferred {
    const SlotDescriptor* slot;
    const std::byte* bytes;
    const std::byte* end;
  };
  std::vector<Deferred> iterators;
  struct DeferredPointer {
    const SlotDescriptor* slot;
    std::uint64_t offset;
  };
  std::vector<DeferredPointer> pointers;
  state.records.resize(state.next);
  state.records.push_back(record);
  // One session for the objects all frames reach through pointers, as the capture had.
  UseTrackedObjects use_tracked(state.tracked.get());
  try {
    // Values, objects and relocated pointers, in the order they were written. Iterators need
    // their container and its range, so they are built afterwards, then the elements.
    for (std::uint32_t k = 0; k < site.num_live; ++k) {
      const SlotDescriptor& slot = function->slots[site.live[k]];
      if (written_last(slot))
        continue;
      std::byte* field = record_field(record, slot);
      switch (SlotKind(slot.kind)) {
      case SlotKind::raw_value:
        in.read(field, slot.size);
        break;
      case SlotKind::raw_address:
        in.read(load_pointer(field), slot.size);
        break;
      case SlotKind::codec_address:
        state.heap_regions.watermarks[{state.next, site.live[k]}] = state.tracked->objects.size();
        codec_ops(slot).load(load_pointer(field), in);
        built.push_back(&slot);
        break;
      case SlotKind::frame_pointer: {
        const SlotDescriptor& target = function->slots[slot.related];
        std::uint64_t offset = in.varint();
        if (offset > pointee_size(slot, target))
          in.fail("pointer beyond its target");
        if (held_by_address(target))
          store_pointer(field, static_cast<std::byte*>(slot_object(record, target)) + offset);
        else
          pointers.push_back({&slot, offset}); // into what a reference restored later designates
        break;
      }
      case SlotKind::iterator: {
        const std::byte* start = in.position();
        iterator_ops(slot).check(in);
        iterators.push_back({&slot, start, in.position()});
        break;
      }
      case SlotKind::element_reference:
        break;
      case SlotKind::pointer:
        break; // written last, read last
      }
    }
    // Declaration order is dependency order: a loop's range, then its iterators, then its
    // element, which may be the range of an inner loop.
    auto next_iterator = iterators.begin();
    auto next_pointer = pointers.begin();
    auto build_iterator = [&](const SlotDescriptor& slot, const Deferred& iterator) {
      ppp2p::Reader bytes(iterator.bytes, std::size_t(iterator.end - iterator.bytes));
      void* container = load_pointer(record_field(record, function->slots[slot.related]));
      iterator_ops(slot).load(load_pointer(record_field(record, slot)), container, bytes);
      built.push_back(&slot);
    };
    // Iterators of a range a relocated pointer designates (a reference parameter's deque):
    // built once the pointers are.
    std::vector<std::pair<const SlotDescriptor*, Deferred>> late_iterators;
    for (std::uint32_t k = 0; k < site.num_live; ++k) {
      const SlotDescriptor& slot = function->slots[site.live[k]];
      if (next_pointer != pointers.end() && next_pointer->slot == &slot) {
        void* base = pointee_base(record, function->slots[slot.related]);
        store_pointer(record_field(record, slot),
                      static_cast<std::byte*>(base) + (next_pointer++)->offset);
      } else if (SlotKind(slot.kind) == SlotKind::iterator) {
        if (written_last(function->slots[slot.related]))
          late_iterators.emplace_back(&slot, *next_iterator++);
        else
          build_iterator(slot, *next_iterator++);
      } else if (SlotKind(slot.kind) == SlotKind::element_reference) {
        const SlotDescriptor& base = function->slots[slot.related];
        if (SlotKind(base.kind) == SlotKind::iterator &&
            written_last(function->slots[base.related]))
          in.fail("a loop's element reference into a range whose pointer is restored last (the "
                  "plugin moves such elements as pointers: a plugin of another version?)");
        void* element = SlotKind(base.kind) == SlotKind::iterator
                            ? iterator_ops(base).element(slot_object(record, base))
                            : load_pointer(record_field(record, base));
        store_pointer(record_field(record, slot), element);
      }
    }
    // Pointers last: into this frame's objects, those of callers, or the heap they own.
    for (std::uint32_t k = 0; k < site.num_live; ++k)
      if (const SlotDescriptor& slot = function->slots[site.live[k]]; written_last(slot))
        restore_pointer(state, slot, record_field(record, slot), in);
    for (const auto& [slot, iterator] : late_iterators)
      build_iterator(*slot, iterator);
  } catch (...) {
    for (auto it = built.rbegin(); it != built.rend(); ++it) {
      const SlotDescriptor& slot = **it;
      void* object = slot_object(record, slot);
      if (SlotKind(slot.kind) == SlotKind::iterator)
        iterator_ops(slot).destroy(object);
      else
        codec_ops(slot).destroy(object);
    }
    thread.restoring = nullptr;
    throw;
  }
  record->site = frame.site;
  if (++state.next == state.frames.size()) {
    thread.restoring = nullptr;
    // Done: the session's references to shared objects must not outlive the restore.
    state.heap_regions.session = nullptr;
    state.tracked.reset();
  }
  return frame.site;
}

} // extern "C"

namespace ppp2p {

bool checkpoint() {
  // Only reached from code the plugin did not transform: there is no frame to capture.
  return false;
}

namespace detail {

void note_resumed() noexcept {
  ThreadState& thread = __ppp2p_thread;
  thread.resume_unreported = 1;
  std::atomic_ref<std::uint32_t>(thread.capture_due).store(1);
}

} // namespace detail

} // namespace ppp2p
