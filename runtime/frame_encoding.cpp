#include "frame_encoding.hpp"

#include "function_registry.hpp"
#include "pointer_relocation.hpp"
#include "slot_access.hpp"

#include <ppp2p/codec.hpp>
#include <ppp2p/errors.hpp>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ppp2p::detail {
namespace {

std::string_view strip_local_marker(const char* type_name) {
  // typeid(T).name() starts with '*' for types with internal linkage.
  std::string_view name(type_name ? type_name : "");
  if (!name.empty() && name.front() == '*')
    name.remove_prefix(1);
  return name;
}

/// A virtual call site's frame links to the next only if the vtable's function is that
/// frame's (or a this-adjusting thunk of it): otherwise something the plugin did not
/// transform ran in between (an override compiled without it) and linked its own callees here.
void check_virtual_callee(const FrameRecord& frame, const SiteDescriptor& site,
                          const FunctionDescriptor& next) {
  const void* called = *reinterpret_cast<const void* const*>(
      reinterpret_cast<const std::byte*>(&frame) + site.callee_offset);
  if (called == next.function || thunk_target(called) == next.id)
    return;
  throw error(errc::capture_failed,
              std::string("the virtual call in `") + frame.function->display_name + "` at " +
                  site_text(*frame.function, frame.site) +
                  " reached a function that is not checkpointable, yet `" + next.display_name +
                  "` runs below it: an override compiled without the ppp2p plugin, or a "
                  "covariant-return override, cannot be a frame of a moving virtual thread");
}

/// Writes the frames of `chain` (root first) to `out` in `tracked`'s session, adding the
/// functions they run to `functions`; false if the chain cannot move after all.
bool write_frames(const std::vector<const FrameRecord*>& chain,
                  const std::vector<RootArgument>& arguments, Writer& out,
                  std::vector<FunctionRef>& functions, TrackedObjects& tracked) {
  std::unordered_map<const FunctionDescriptor*, std::uint64_t> function_index;
  UseTrackedObjects use_tracked(&tracked);
  HeapRegionCache heap_regions;
  heap_regions.session = &tracked;
  for (std::size_t index = 0; index < chain.size(); ++index) {
    const FrameRecord* frame = chain[index];
    const FunctionDescriptor& f = *frame->function;
    auto [entry, inserted] = function_index.emplace(&f, functions.size());
    if (inserted)
      functions.push_back({f.id, f.fingerprint, f.display_name});
    out.varint(entry->second);
    out.varint(frame->site);
    const SiteDescriptor& site = f.sites[frame->site];
    if (SiteKind(site.kind) == SiteKind::virtual_call && index + 1 < chain.size())
      check_virtual_callee(*frame, site, *chain[index + 1]->function);
    for (std::uint32_t i = 0; i < site.num_live; ++i) {
      const SlotDescriptor& slot = f.slots[site.live[i]];
      if (written_last(slot))
        continue;
      void* object = slot_object(frame, slot);
      switch (SlotKind(slot.kind)) {
      case SlotKind::raw_value:
      case SlotKind::raw_address:
        out.write(object, slot.size);
        break;
      case SlotKind::codec_address:
        heap_regions.watermarks[{index, site.live[i]}] = tracked.objects.size();
        try {
          codec_ops(slot).save(object, out);
        } catch (const error& e) {
          throw slot_error(e, f, frame->site, slot);
        }
        break;
      case SlotKind::frame_pointer: {
        // Moved as an offset into its target, which is live wherever this is.
        auto* pointer = static_cast<std::byte*>(load_pointer(object));
        const SlotDescriptor& target = f.slots[slot.related];
        auto* base = static_cast<std::byte*>(pointee_base(frame, target));
        if (pointer < base || pointer > base + pointee_size(slot, target))
          return false; // not into its target after all: this chain cannot move
        out.varint(std::uint64_t(pointer - base));
        break;
      }
      case SlotKind::iterator:
        iterator_ops(slot).save(object, load_pointer(slot_object(frame, f.slots[slot.related])),
                                out);
        break;
      case SlotKind::element_reference:
        break; // recomputed from its iterator on restore
      case SlotKind::pointer:
        break; // below
      }
    }
    for (std::uint32_t i = 0; i < site.num_live; ++i)
      if (const SlotDescriptor& slot = f.slots[site.live[i]]; written_last(slot))
        save_pointer(chain, arguments, index, slot, heap_regions, out);
  }
  return true;
}

/// Objects that raw pointers of the frames reach and that the capture moves as objects made
/// with `new` are checked, by writing the frames once more in a session that logs every heap
/// region, not to lie inside memory another object owns (a container's element, a member of
/// another object): each would become an object of its own after a resume.
void check_raw_objects_of_frames(const std::vector<const FrameRecord*>& chain,
                                 const std::vector<RootArgument>& arguments) {
  std::vector<std::byte> scratch;
  Writer out(scratch);
  std::vector<FunctionRef> functions;
  TrackedObjects tracked(TrackedMode::save);
  tracked.per_slot = true;
  LogHeapRegions log;
  if (write_frames(chain, arguments, out, functions, tracked))
    check_raw_objects(tracked, log.regions);
}

} // namespace

std::optional<Snapshot> capture_chain(const FrameRecord* innermost, const FrameRecord* root,
                                      const std::vector<RootArgument>& arguments) {
  // Innermost first while walking; written root first.
  thread_local std::vector<const FrameRecord*> chain;
  chain.clear();
  const FrameRecord* record = innermost;
  for (; record && record != root; record = record->parent)
    chain.push_back(record);
  if (record != root || chain.empty())
    return std::nullopt;

  // Allocate once: the previous capture on this thread is the best guess of the size.
  thread_local std::size_t previous_size = 0;
  SnapshotBuilder builder(previous_size + previous_size / 8);
  std::vector<FunctionRef> functions;
  // Every object the frames move through a pointer, once (tracked_session.hpp).
  TrackedObjects tracked(TrackedMode::save);
  tracked.per_slot = true;
  std::reverse(chain.begin(), chain.end()); // root first
  if (!write_frames(chain, arguments, builder.frames(), functions, tracked))
    return std::nullopt;
  if (tracked.met_raw_objects())
    check_raw_objects_of_frames(chain, arguments);
  const FunctionDescriptor& root_function = *chain.front()->function;
  // The state of the root's arguments it may have changed (non-const references): a resume
  // takes them from here, the others from the spawn, as they were.
  std::vector<std::byte> argument_bytes;
  Writer argument_out(argument_bytes);
  {
    // Each in a session of its own (they are restored before the frames); one the frames
    // moved too would be built twice, so that fails the capture.
    std::unordered_set<const void*> in_frames;
    for (const auto& [address, id] : tracked.ids)
      in_frames.insert(address);
    UseTrackedObjects apart(nullptr, &in_frames);
    for (const RootArgument& argument : arguments)
      if (argument.changes)
        argument.save(argument.object, argument_out);
  }
  std::vector<std::byte> bytes = builder.finish(root_function.return_type, functions,
                                                std::uint32_t(chain.size()), {}, argument_bytes);
  previous_size = bytes.size();
  return Snapshot::adopt_validated(std::move(bytes));
}

RestoreState plan_restore(const SnapshotContents& contents, const char* result_type,
                          const std::vector<RootArgument>* arguments) {
  std::vector<const FunctionDescriptor*> functions;
  for (const FunctionRef& ref : contents.functions) {
    std::string conflict = function_conflict(ref.id);
    if (!conflict.empty())
      throw snapshot_error(errc::layout_mismatch, conflict);
    const FunctionDescriptor* f = find_function(ref.id);
    if (!f)
      throw snapshot_error(errc::unknown_function,
                           "`" + ref.name +
                               "` is not part of this program (was it renamed, "
                               "removed, or not compiled with the ppp2p plugin?)");
    if (f->fingerprint != ref.fingerprint)
      throw snapshot_error(errc::layout_mismatch,
                           "`" + ref.name +
                               "` in this program has other state or sites than "
                               "when the snapshot was taken (was it changed?)");
    functions.push_back(f);
  }

  RestoreState state;
  state.arguments = arguments;
  TrackedObjects tracked(TrackedMode::check);
  tracked.per_slot = true;
  UseTrackedObjects use_tracked(&tracked);
  HeapRegionCache heap_regions;
  heap_regions.session = &tracked;
  Reader in(contents.frames);
  for (std::uint32_t i = 0; i < contents.frame_count; ++i) {
    std::uint64_t function_index = in.varint();
    if (function_index >= functions.size())
      throw snapshot_error(errc::snapshot_malformed, "frame " + std::to_string(i) +
                                                         " names function #" +
                                                         std::to_string(function_index) + " of " +
                                                         std::to_string(functions.size()));
    const FunctionDescriptor& f = *functions[function_index];
    std::uint64_t site = in.varint();
    if (site >= f.num_sites)
      throw snapshot_error(errc::snapshot_malformed,
                           "frame " + std::to_string(i) + " of `" + f.display_name +
                               "` is at site " + std::to_string(site) + ", which has only " +
                               std::to_string(f.num_sites));
    const SiteDescriptor& s = f.sites[site];
    bool innermost = i + 1 == contents.frame_count;
    if (innermost != (SiteKind(s.kind) == SiteKind::checkpoint))
      throw snapshot_error(errc::snapshot_malformed,
                           "frame " + std::to_string(i) + " of `" + f.display_name + "` is at " +
                               site_text(f, std::uint32_t(site)) +
                               (innermost ? ", not a checkpoint() site, yet it is innermost"
                                          : ", a checkpoint() site, yet frames follow it"));
    RestoreFrame& frame = state.frames.emplace_back(
        RestoreFrame{&f, std::uint32_t(site), in.position(), nullptr, {}});
    try {
      for (std::uint32_t k = 0; k < s.num_live; ++k) {
        const SlotDescriptor& slot = f.slots[s.live[k]];
        if (written_last(slot))
          continue;
        switch (SlotKind(slot.kind)) {
        case SlotKind::raw_value:
        case SlotKind::raw_address:
          in.take(slot.size);
          break;
        case SlotKind::codec_address: {
          const std::byte* begin = in.position();
          heap_regions.watermarks[{i, s.live[k]}] = tracked.objects.size();
          codec_ops(slot).check(in);
          frame.objects.push_back({s.live[k], begin, in.position()});
          break;
        }
        case SlotKind::frame_pointer:
          if (std::uint64_t offset = in.varint();
              offset > pointee_size(slot, f.slots[slot.related]))
            in.fail("pointer " + std::to_string(offset) + " bytes into a slot of " +
                    std::to_string(f.slots[slot.related].size));
          break;
        case SlotKind::iterator:
          iterator_ops(slot).check(in);
          break;
        case SlotKind::element_reference:
          break;
        default:
          in.fail("slot of unknown kind " + std::to_string(slot.kind));
        }
      }
      for (std::uint32_t k = 0; k < s.num_live; ++k)
        if (const SlotDescriptor& slot = f.slots[s.live[k]]; written_last(slot))
          check_pointer(state, i, slot, heap_regions, in);
    } catch (const snapshot_error& e) {
      throw snapshot_error(errc::decode_failed,
                           "in frame " + std::to_string(i) + " (`" + f.display_name + "` at " +
                               site_text(f, std::uint32_t(site)) + "): " + e.what());
    }
    frame.end = in.position();
  }
  if (in.remaining() != 0)
    throw snapshot_error(errc::snapshot_malformed,
                         std::to_string(in.remaining()) + " bytes after the last frame");

  for (std::size_t i = 0; i + 1 < state.frames.size(); ++i) {
    const RestoreFrame& caller = state.frames[i];
    const SiteDescriptor& s = caller.function->sites[caller.site];
    const FunctionDescriptor& callee = *state.frames[i + 1].function;
    if (SiteKind(s.kind) == SiteKind::virtual_call) {
      // Any checkpointable function of the call's type may run there (the vtable of an object
      // not restored yet chose it); the caller calls it directly on re-entry.
      if (s.callee_id != callee.signature || !callee.function)
        throw snapshot_error(errc::snapshot_malformed,
                             "frame " + std::to_string(i) + " (`" + caller.function->display_name +
                                 "`) cannot reach `" + callee.display_name +
                                 "` by its virtual call at " +
                                 site_text(*caller.function, caller.site) + " (another type)");
      continue;
    }
    if (s.callee_id != callee.id)
      throw snapshot_error(errc::snapshot_malformed,
                           "frame " + std::to_string(i) + " (`" + caller.function->display_name +
                               "`) does not call `" + callee.display_name + "` at " +
                               site_text(*caller.function, caller.site));
  }

  state.tracked = std::make_unique<TrackedObjects>(TrackedMode::load);
  state.tracked->per_slot = true;
  state.heap_regions.session = state.tracked.get();

  const FunctionDescriptor& root = *state.frames.front().function;
  if (strip_local_marker(root.return_type) != strip_local_marker(result_type))
    throw snapshot_error(errc::result_type_mismatch, "`" + std::string(root.display_name) +
                                                         "` returns type \"" + root.return_type +
                                                         "\" but resume was asked for \"" +
                                                         result_type + "\" (typeid names)");
  return state;
}

} // namespace ppp2p::detail
