// The entry points transformed code calls: the thread state, capture at a checkpoint() site, and
// re-entry of one frame in restore mode.
#include "capture_context.hpp"
#include "frame_encoding.hpp"

#include <ppp2p/checkpoint.hpp>
#include <ppp2p/codec.hpp>
#include <ppp2p/detail/frame_abi.hpp>

#include <cstring>

using namespace ppp2p::detail;

extern "C" {

__attribute__((tls_model("initial-exec"))) thread_local constinit ThreadState __ppp2p_thread{};

alignas(64) unsigned char __ppp2p_restore_scratch[4096];

bool __ppp2p_capture(FrameRecord* record) {
  ThreadState& thread = __ppp2p_thread;
  thread.site_caller = nullptr;
  CaptureContext* context = thread.context;
  if (!context || context->mode == CaptureMode::never)
    return false;
  std::optional<ppp2p::Snapshot> snapshot = capture_chain(record, &context->root);
  if (!snapshot) {
    ++context->skipped;
    return false;
  }
  if (context->sink)
    context->sink(std::move(*snapshot));
  else
    context->snapshots.push_back(std::move(*snapshot));
  return false;
}

std::uint32_t __ppp2p_restore_frame(const FunctionDescriptor* function, FrameRecord* record) {
  ThreadState& thread = __ppp2p_thread;
  RestoreState& state = *thread.restoring;
  const RestoreFrame& frame = state.frames[state.next];
  if (frame.function != function) {
    thread.restoring = nullptr;
    throw ppp2p::snapshot_error(ppp2p::errc::layout_mismatch,
                                std::string("re-entering the snapshot reached `") +
                                    function->display_name + "` where it holds `" +
                                    frame.function->display_name + "`");
  }
  const SiteDescriptor& site = function->sites[frame.site];
  ppp2p::Reader in(frame.payload, std::size_t(frame.end - frame.payload));
  std::uint32_t constructed = 0;
  auto* fields = reinterpret_cast<std::byte*>(record);
  try {
    for (; constructed < site.num_live; ++constructed) {
      const SlotDescriptor& slot = function->slots[site.live[constructed]];
      std::byte* field = fields + slot.record_offset;
      if (SlotKind(slot.kind) == SlotKind::raw_value) {
        in.read(field, slot.size);
        continue;
      }
      void* object;
      std::memcpy(&object, field, sizeof object);
      if (SlotKind(slot.kind) == SlotKind::codec_address)
        slot.codec->load(object, in);
      else
        in.read(object, slot.size);
    }
  } catch (...) {
    // Nothing of this frame runs: destroy what was built so far, then let the caller frames
    // unwind normally (their own slots are complete).
    while (constructed > 0) {
      const SlotDescriptor& slot = function->slots[site.live[--constructed]];
      if (SlotKind(slot.kind) == SlotKind::codec_address) {
        void* object;
        std::memcpy(&object, fields + slot.record_offset, sizeof object);
        slot.codec->destroy(object);
      }
    }
    thread.restoring = nullptr;
    throw;
  }
  record->site = frame.site;
  if (++state.next == state.frames.size())
    thread.restoring = nullptr;
  return frame.site;
}

} // extern "C"

namespace ppp2p {

bool checkpoint() {
  // Only reached from code the plugin did not transform: there is no frame to capture.
  return false;
}

} // namespace ppp2p
