#include "frame_encoding.hpp"

#include "constant_addresses.hpp"
#include "function_registry.hpp"
#include "slot_access.hpp"

#include <ppp2p/codec.hpp>
#include <ppp2p/errors.hpp>

#include <algorithm>
#include <cstring>
#include <string_view>
#include <unordered_map>

namespace ppp2p::detail {
namespace {

std::string_view strip_local_marker(const char* type_name) {
  // typeid(T).name() starts with '*' for types with internal linkage.
  std::string_view name(type_name ? type_name : "");
  if (!name.empty() && name.front() == '*')
    name.remove_prefix(1);
  return name;
}

std::string site_text(const FunctionDescriptor& f, std::uint32_t site) {
  const SiteDescriptor& s = f.sites[site];
  return std::string(f.file ? f.file : "?") + ":" + std::to_string(s.line) + ":" +
         std::to_string(s.column);
}

/// Whether slot `target` is live at `site` (a frame at that site holds its bytes).
bool live_at(const SiteDescriptor& site, std::uint32_t target) {
  for (std::uint32_t i = 0; i < site.num_live; ++i)
    if (site.live[i] == target)
      return true;
  return false;
}

/// Writes pointer slot `slot` of frame `index` (root first) of `chain`: relocated against the
/// objects held by address in that frame and its callers, innermost first.
void save_pointer(const std::vector<const FrameRecord*>& chain, std::size_t index,
                  const SlotDescriptor& slot, Writer& out) {
  auto* pointer = static_cast<const std::byte*>(load_pointer(record_field(chain[index], slot)));
  if (!pointer) {
    out.varint(std::uint64_t(PointerTag::null));
    return;
  }
  // A pointer one past an object's end may equally be the start of the next: an object that
  // holds it strictly inside wins, the end of one only if nothing else does.
  struct Found {
    std::size_t up;
    std::uint32_t slot;
    std::uint64_t offset;
  };
  std::optional<Found> inside, at_end;
  for (std::size_t up = 0; up <= index && !inside; ++up) {
    const FrameRecord* frame = chain[index - up];
    const FunctionDescriptor& f = *frame->function;
    const SiteDescriptor& site = f.sites[frame->site];
    for (std::uint32_t i = 0; i < site.num_live && !inside; ++i) {
      const SlotDescriptor& target = f.slots[site.live[i]];
      if (!held_by_address(target))
        continue;
      auto* base = static_cast<const std::byte*>(slot_object(frame, target));
      if (pointer < base || pointer > base + target.size)
        continue;
      Found found{up, site.live[i], std::uint64_t(pointer - base)};
      if (pointer < base + target.size)
        inside = found;
      else if (!at_end)
        at_end = found;
    }
  }
  if (inside)
    at_end = inside;
  if (!at_end) {
    // Not the VT's state: a string literal, a const global, code or a vtable moves as its
    // place in its module; anything else is refused.
    std::string why;
    if (std::optional<ConstantAddress> constant = locate_constant(pointer, why)) {
      out.varint(std::uint64_t(PointerTag::into_constant));
      out.varint(constant->build_id.size());
      out.write(constant->build_id.data(), constant->build_id.size());
      out.varint(constant->offset);
      return;
    }
    const FunctionDescriptor& f = *chain[index]->function;
    throw error(errc::capture_failed,
                std::string("`") + slot.name + "` (" + slot.type_name + ") in `" + f.display_name +
                    "` at " + site_text(f, chain[index]->site) +
                    " points outside the virtual thread's frames, " + why +
                    ", so it cannot be relocated; keep what it points to in a local or a "
                    "by-value parameter of a checkpointable function (ppp2p::global<T> for "
                    "state the VTs share)");
  }
  out.varint(std::uint64_t(PointerTag::into_frame));
  out.varint(at_end->up);
  out.varint(at_end->slot);
  out.varint(at_end->offset);
}

} // namespace

std::optional<Snapshot> capture_chain(const FrameRecord* innermost, const FrameRecord* root) {
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
  std::unordered_map<const FunctionDescriptor*, std::uint64_t> function_index;
  Writer& out = builder.frames();
  std::reverse(chain.begin(), chain.end()); // root first
  for (std::size_t index = 0; index < chain.size(); ++index) {
    const FrameRecord* frame = chain[index];
    const FunctionDescriptor& f = *frame->function;
    auto [entry, inserted] = function_index.emplace(&f, functions.size());
    if (inserted)
      functions.push_back({f.id, f.fingerprint, f.display_name});
    out.varint(entry->second);
    out.varint(frame->site);
    const SiteDescriptor& site = f.sites[frame->site];
    for (std::uint32_t i = 0; i < site.num_live; ++i) {
      const SlotDescriptor& slot = f.slots[site.live[i]];
      void* object = slot_object(frame, slot);
      switch (SlotKind(slot.kind)) {
      case SlotKind::raw_value:
      case SlotKind::raw_address:
        out.write(object, slot.size);
        break;
      case SlotKind::codec_address:
        codec_ops(slot).save(object, out);
        break;
      case SlotKind::frame_pointer: {
        // Moved as an offset into its target, which is live wherever this is.
        auto* pointer = static_cast<std::byte*>(load_pointer(object));
        const SlotDescriptor& target = f.slots[slot.related];
        auto* base = static_cast<std::byte*>(pointee_base(frame, target));
        if (pointer < base || pointer > base + pointee_size(slot, target))
          return std::nullopt; // not into its target after all: this chain cannot move
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
        save_pointer(chain, index, slot, out);
        break;
      }
    }
  }
  const FunctionDescriptor& root_function = *chain.front()->function;
  std::vector<std::byte> bytes =
      builder.finish(root_function.return_type, functions, std::uint32_t(chain.size()), {});
  previous_size = bytes.size();
  return Snapshot::adopt_validated(std::move(bytes));
}

const void* read_constant_pointer(Reader& in) {
  ConstantAddress where;
  std::uint64_t length = in.varint();
  if (length == 0 || length > 64)
    in.fail("a module build id of " + std::to_string(length) + " bytes");
  where.build_id.resize(std::size_t(length));
  in.read(where.build_id.data(), where.build_id.size());
  where.offset = in.varint();
  const void* address = resolve_constant(where);
  if (!address) {
    static const char digits[] = "0123456789abcdef";
    std::string id;
    for (std::uint8_t b : where.build_id)
      id += {digits[b >> 4], digits[b & 15]};
    in.fail("a pointer into read-only memory of the module with build id " + id + " at offset " +
            std::to_string(where.offset) +
            ", which this process has not loaded (another build of the program?)");
  }
  return address;
}

namespace {

/// Checks a pointer slot's bytes of frame `index`, which is at `site` of `function`, against
/// the frames planned before it.
void check_pointer(const std::vector<RestoreFrame>& frames, std::size_t index,
                   const FunctionDescriptor& function, std::uint32_t site, Reader& in) {
  std::uint64_t tag = in.varint();
  if (tag == std::uint64_t(PointerTag::null))
    return;
  if (tag == std::uint64_t(PointerTag::into_constant)) {
    read_constant_pointer(in);
    return;
  }
  if (tag != std::uint64_t(PointerTag::into_frame))
    in.fail("pointer of unknown kind " + std::to_string(tag));
  std::uint64_t up = in.varint();
  std::uint64_t slot = in.varint();
  std::uint64_t offset = in.varint();
  if (up > index)
    in.fail("pointer into the frame " + std::to_string(up) + " up, above the root");
  const FunctionDescriptor& f = up == 0 ? function : *frames[index - up].function;
  std::uint32_t at = up == 0 ? site : frames[index - up].site;
  if (slot >= f.num_slots || !held_by_address(f.slots[slot]) ||
      !live_at(f.sites[at], std::uint32_t(slot)))
    in.fail("pointer into slot " + std::to_string(slot) + " of `" + f.display_name +
            "`, which that frame does not hold there");
  if (offset > f.slots[slot].size)
    in.fail("pointer " + std::to_string(offset) + " bytes into `" + f.slots[slot].name + "` of " +
            std::to_string(f.slots[slot].size));
}

} // namespace

RestoreState plan_restore(const SnapshotContents& contents, const char* result_type) {
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
    const std::byte* payload = in.position();
    try {
      for (std::uint32_t k = 0; k < s.num_live; ++k) {
        const SlotDescriptor& slot = f.slots[s.live[k]];
        switch (SlotKind(slot.kind)) {
        case SlotKind::raw_value:
        case SlotKind::raw_address:
          in.take(slot.size);
          break;
        case SlotKind::codec_address:
          codec_ops(slot).check(in);
          break;
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
        case SlotKind::pointer:
          check_pointer(state.frames, i, f, std::uint32_t(site), in);
          break;
        default:
          in.fail("slot of unknown kind " + std::to_string(slot.kind));
        }
      }
    } catch (const snapshot_error& e) {
      throw snapshot_error(errc::decode_failed,
                           "in frame " + std::to_string(i) + " (`" + f.display_name + "` at " +
                               site_text(f, std::uint32_t(site)) + "): " + e.what());
    }
    state.frames.push_back({&f, std::uint32_t(site), payload, in.position()});
  }
  if (in.remaining() != 0)
    throw snapshot_error(errc::snapshot_malformed,
                         std::to_string(in.remaining()) + " bytes after the last frame");

  for (std::size_t i = 0; i + 1 < state.frames.size(); ++i) {
    const RestoreFrame& caller = state.frames[i];
    const SiteDescriptor& s = caller.function->sites[caller.site];
    if (s.callee_id != state.frames[i + 1].function->id)
      throw snapshot_error(errc::snapshot_malformed,
                           "frame " + std::to_string(i) + " (`" + caller.function->display_name +
                               "`) does not call `" + state.frames[i + 1].function->display_name +
                               "` at " + site_text(*caller.function, caller.site));
  }

  const FunctionDescriptor& root = *state.frames.front().function;
  if (strip_local_marker(root.return_type) != strip_local_marker(result_type))
    throw snapshot_error(errc::result_type_mismatch, "`" + std::string(root.display_name) +
                                                         "` returns type \"" + root.return_type +
                                                         "\" but resume was asked for \"" +
                                                         result_type + "\" (typeid names)");
  return state;
}

} // namespace ppp2p::detail
