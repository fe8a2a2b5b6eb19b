#include "pointer_relocation.hpp"

#include "constant_addresses.hpp"
#include "slot_access.hpp"

#include <ppp2p/errors.hpp>

#include <cstring>
#include <optional>
#include <string>

namespace ppp2p::detail {
namespace {

bool live_at(const SiteDescriptor& site, std::uint32_t target) {
  for (std::uint32_t i = 0; i < site.num_live; ++i)
    if (site.live[i] == target)
      return true;
  return false;
}

/// Objects a pointer may point into: held by address in the record, their bytes in the
/// snapshot (not iterators, whose restore comes later).
bool pointer_target(const SlotDescriptor& slot) {
  return SlotKind(slot.kind) == SlotKind::raw_address ||
         SlotKind(slot.kind) == SlotKind::codec_address;
}

using SaveFunction = void (*)(const void* object, Writer& out);

/// A session that knows the objects the snapshot's session had met before `key`'s slot (the
/// slot encodes them as their numbers), or none for a root's argument, which moves alone.
TrackedObjects* seed(std::optional<TrackedObjects>& session, const HeapRegionCache& cache,
                     SlotKey key, TrackedMode mode) {
  auto watermark = cache.watermarks.find(key);
  if (!cache.session || watermark == cache.watermarks.end())
    return nullptr;
  return &session.emplace(mode, *cache.session, watermark->second);
}

/// The regions the codec `save` meets in `object`, in order (by encoding it once more, as the
/// snapshot did).
std::vector<HeapRegion> heap_regions_of(const HeapRegionCache& cache, SlotKey key,
                                        SaveFunction save, const void* object) {
  thread_local std::vector<std::byte> scratch;
  scratch.clear();
  Writer out(scratch);
  std::optional<TrackedObjects> session;
  UseTrackedObjects use(seed(session, cache, key, TrackedMode::save)); // not the capture's own
  LogHeapRegions scope;
  save(object, out);
  scratch.clear();
  return std::move(scope.regions);
}

/// The regions (addresses meaningless, sizes right) that decoding `bytes` meets.
std::vector<HeapRegion> heap_regions_in(const HeapRegionCache& cache, SlotKey key,
                                        const SlotDescriptor& slot, const std::byte* begin,
                                        const std::byte* end) {
  Reader in(begin, std::size_t(end - begin));
  std::optional<TrackedObjects> session;
  UseTrackedObjects use(seed(session, cache, key, TrackedMode::check));
  LogHeapRegions scope;
  codec_ops(slot).check(in);
  return std::move(scope.regions);
}

/// The regions of `object` under `key` in `cache`, collected by `save` on first use.
const std::vector<HeapRegion>& cached_regions(HeapRegionCache& cache, SlotKey key,
                                              SaveFunction save, const void* object) {
  auto [cached, fresh] = cache.regions.try_emplace(key);
  if (fresh)
    cached->second = heap_regions_of(cache, key, save, object);
  return cached->second;
}

/// A view (string_view, span): the bytes around its pointer move as they are.
bool has_other_bytes(const SlotDescriptor& slot) {
  return slot.size > sizeof(void*);
}

void* read_pointer(RestoreState& state, PointerTag tag, Reader& in);

/// The key of the root's argument #index among the cached heap regions of frames' objects.
SlotKey argument_key(std::size_t index) {
  return {~std::size_t(0) - index, 0};
}

/// Where a pointer was found: frames up, slot, region ordinal (into_heap), offset.
struct Place {
  std::size_t up;
  std::uint32_t slot;
  std::size_t region;
  std::uint64_t offset;
};

/// Finds `pointer` in [base, base + bytes]: strictly inside beats one past the end, which may
/// equally be the start of the next object.
struct Search {
  const std::byte* pointer;
  std::optional<Place> inside, at_end;
  void consider(const std::byte* base, std::uint64_t bytes, Place place) {
    if (!base || pointer < base || pointer > base + bytes)
      return;
    place.offset = std::uint64_t(pointer - base);
    if (pointer < base + bytes)
      inside = place;
    else if (!at_end)
      at_end = place;
  }
  std::optional<Place> best() const { return inside ? inside : at_end; }
};

/// A pointer into the root's argument #index, or the heap memory it owns: checked against the
/// arguments the VT entry decoded, where they are known.
void check_argument_pointer(const std::vector<RootArgument>* arguments, PointerTag tag,
                            HeapRegionCache& regions, Reader& in) {
  std::uint64_t index = in.varint();
  std::uint64_t region = tag == PointerTag::into_argument_heap ? in.varint() : 0;
  std::uint64_t offset = in.varint();
  if (!arguments)
    return; // describe(): only the form
  if (index >= arguments->size())
    in.fail("pointer into argument #" + std::to_string(index) + " of the root function, which " +
            (arguments->empty() ? std::string("was not given its arguments")
                                : "has " + std::to_string(arguments->size())));
  const RootArgument& argument = (*arguments)[std::size_t(index)];
  std::uint64_t bytes = argument.bytes;
  if (tag == PointerTag::into_argument_heap) {
    const std::vector<HeapRegion>& owned =
        cached_regions(regions, argument_key(std::size_t(index)), argument.save, argument.object);
    if (region >= owned.size())
      in.fail("pointer into heap region " + std::to_string(region) + " of argument #" +
              std::to_string(index) + ", which has " + std::to_string(owned.size()));
    bytes = owned[std::size_t(region)].bytes;
  }
  if (offset > bytes)
    in.fail("pointer " + std::to_string(offset) + " bytes into " + std::to_string(bytes) +
            " of argument #" + std::to_string(index));
}

} // namespace

error slot_error(const error& e, const FunctionDescriptor& f, std::uint32_t site,
                 const SlotDescriptor& slot) {
  std::string detail = e.what();
  std::string prefix = std::string(error_message(e.code())) + ": ";
  if (detail.compare(0, prefix.size(), prefix) == 0)
    detail.erase(0, prefix.size());
  return error(e.code(), std::string("`") + slot.name + "` (" + slot.type_name + ") in `" +
                             f.display_name + "` at " + site_text(f, site) + ": " + detail);
}

void save_pointer(const std::vector<const FrameRecord*>& chain,
                  const std::vector<RootArgument>& arguments, std::size_t index,
                  const SlotDescriptor& slot, HeapRegionCache& regions, Writer& out) {
  std::byte* field = record_field(chain[index], slot);
  if (has_other_bytes(slot)) { // a view: its length as it is, its pointer relocated below
    std::vector<std::byte> bytes(field, field + slot.size);
    std::memset(bytes.data() + slot.extent, 0, sizeof(void*)); // no address in the snapshot
    out.write(bytes.data(), bytes.size());
  }
  auto* pointer = static_cast<const std::byte*>(load_pointer(field + slot.extent));
  if (!pointer) {
    out.varint(std::uint64_t(PointerTag::null));
    return;
  }
  // The objects of the frames, innermost first; then the heap memory they own.
  Search search{pointer};
  for (std::size_t up = 0; up <= index && !search.inside; ++up) {
    const FrameRecord* frame = chain[index - up];
    const SiteDescriptor& site = frame->function->sites[frame->site];
    for (std::uint32_t i = 0; i < site.num_live && !search.inside; ++i) {
      const SlotDescriptor& target = frame->function->slots[site.live[i]];
      if (pointer_target(target))
        search.consider(static_cast<const std::byte*>(slot_object(frame, target)), target.size,
                        {up, site.live[i], 0, 0});
    }
  }
  auto tag = PointerTag::into_frame;
  if (!search.best()) {
    tag = PointerTag::into_heap;
    for (std::size_t up = 0; up <= index && !search.inside; ++up) {
      const FrameRecord* frame = chain[index - up];
      const SiteDescriptor& site = frame->function->sites[frame->site];
      for (std::uint32_t i = 0; i < site.num_live && !search.inside; ++i) {
        const SlotDescriptor& target = frame->function->slots[site.live[i]];
        const std::vector<HeapRegion>* tracked = nullptr;
        if (tracks_objects(target)) {
          // Only one written before this one, as the objects it reaches.
          auto known = regions.regions.find({index - up, site.live[i]});
          if (known == regions.regions.end())
            continue;
          tracked = &known->second;
        } else if (SlotKind(target.kind) != SlotKind::codec_address) {
          continue;
        }
        const std::vector<HeapRegion>& owned =
            tracked ? *tracked
                    : cached_regions(regions, {index - up, site.live[i]}, codec_ops(target).save,
                                     slot_object(frame, target));
        for (std::size_t r = 0; r < owned.size() && !search.inside; ++r)
          search.consider(owned[r].base, owned[r].bytes, {up, site.live[i], r, 0});
      }
    }
  }
  // Then the root's arguments, where the VT entry holds them (a reference parameter of the
  // root), and the heap memory they own.
  if (!search.best()) {
    tag = PointerTag::into_argument;
    for (std::size_t a = 0; a < arguments.size() && !search.inside; ++a)
      search.consider(static_cast<const std::byte*>(arguments[a].object), arguments[a].bytes,
                      {a, 0, 0, 0});
  }
  if (!search.best()) {
    tag = PointerTag::into_argument_heap;
    for (std::size_t a = 0; a < arguments.size() && !search.inside; ++a) {
      const std::vector<HeapRegion>& owned =
          cached_regions(regions, argument_key(a), arguments[a].save, arguments[a].object);
      for (std::size_t r = 0; r < owned.size() && !search.inside; ++r)
        search.consider(owned[r].base, owned[r].bytes, {a, 0, r, 0});
    }
  }
  if (std::optional<Place> place = search.best()) {
    out.varint(std::uint64_t(tag));
    out.varint(place->up); // frames up, or the argument's index
    if (tag == PointerTag::into_frame || tag == PointerTag::into_heap)
      out.varint(place->slot);
    if (tag == PointerTag::into_heap || tag == PointerTag::into_argument_heap)
      out.varint(place->region);
    out.varint(place->offset);
    return;
  }
  // Not the VT's state: a string literal, a const global or code moves as its place in its
  // module; a raw pointer to a class object moves what it reaches; anything else is refused.
  std::string why;
  if (std::optional<ConstantAddress> constant = locate_constant(pointer, why)) {
    out.varint(std::uint64_t(PointerTag::into_constant));
    write_constant(out, *constant);
    return;
  }
  const FunctionDescriptor& f = *chain[index]->function;
  if (tracks_objects(slot)) {
    out.varint(std::uint64_t(PointerTag::tracked));
    SlotKey key{index, std::uint32_t(&slot - f.slots)};
    regions.watermarks[key] = regions.session ? regions.session->objects.size() : 0;
    LogHeapRegions scope; // what later pointers may point into
    try {
      codec_ops(slot).save(field, out);
    } catch (const error& e) {
      throw slot_error(e, f, chain[index]->site, slot);
    }
    regions.regions[key] = std::move(scope.regions);
    return;
  }
  throw error(errc::capture_failed,
              std::string("`") + slot.name + "` (" + slot.type_name + ") in `" + f.display_name +
                  "` at " + site_text(f, chain[index]->site) +
                  " points outside the virtual thread's state, " + why +
                  ", so it cannot be relocated; keep what it points to in a local or a "
                  "by-value parameter of a checkpointable function, or in a container one "
                  "holds (ppp2p::global<T> for state the VTs share)");
}

void check_pointer(const RestoreState& plan, std::size_t index, const SlotDescriptor& pointer,
                   HeapRegionCache& regions, Reader& in) {
  const std::vector<RestoreFrame>& frames = plan.frames;
  if (has_other_bytes(pointer))
    in.take(std::size_t(pointer.size));
  auto tag = PointerTag(in.varint());
  if (tag == PointerTag::null)
    return;
  if (tag == PointerTag::into_constant) {
    read_constant(in);
    return;
  }
  if (tag == PointerTag::into_argument || tag == PointerTag::into_argument_heap) {
    check_argument_pointer(plan.arguments, tag, regions, in);
    return;
  }
  if (tag == PointerTag::tracked) {
    if (!tracks_objects(pointer))
      in.fail("objects reached by `" + std::string(pointer.name) +
              "`, which is not a raw pointer to a class object");
    SlotKey key{index, std::uint32_t(&pointer - frames[index].function->slots)};
    regions.watermarks[key] = regions.session ? regions.session->objects.size() : 0;
    LogHeapRegions scope; // their sizes, for the pointers checked after it
    codec_ops(pointer).check(in);
    regions.regions[key] = std::move(scope.regions);
    return;
  }
  if (tag != PointerTag::into_frame && tag != PointerTag::into_heap)
    in.fail("pointer of unknown kind " + std::to_string(unsigned(tag)));
  std::uint64_t up = in.varint();
  std::uint64_t slot = in.varint();
  std::uint64_t region = tag == PointerTag::into_heap ? in.varint() : 0;
  std::uint64_t offset = in.varint();
  if (up > index)
    in.fail("pointer into the frame " + std::to_string(up) + " up, above the root");
  const RestoreFrame& frame = frames[index - up];
  const FunctionDescriptor& f = *frame.function;
  // Into the objects a pointer written before this one moved: their regions are cached.
  bool into_tracked = tag == PointerTag::into_heap && slot < f.num_slots &&
                      tracks_objects(f.slots[slot]) &&
                      regions.regions.count({index - up, std::uint32_t(slot)}) != 0;
  if (slot >= f.num_slots || !(pointer_target(f.slots[slot]) || into_tracked) ||
      !live_at(f.sites[frame.site], std::uint32_t(slot)))
    in.fail("pointer into slot " + std::to_string(slot) + " of `" + f.display_name +
            "`, which that frame does not hold there");
  std::uint64_t bytes = f.slots[slot].size;
  if (tag == PointerTag::into_heap) {
    SlotKey key{index - up, std::uint32_t(slot)};
    auto [cached, fresh] = regions.regions.try_emplace(key);
    if (fresh) {
      for (const RestoreFrame::ObjectBytes& object : frame.objects)
        if (object.slot == slot)
          cached->second = heap_regions_in(regions, key, f.slots[slot], object.begin, object.end);
    }
    if (region >= cached->second.size())
      in.fail("pointer into heap region " + std::to_string(region) + " of `" + f.slots[slot].name +
              "`, which has " + std::to_string(cached->second.size()));
    bytes = cached->second[std::size_t(region)].bytes;
  }
  if (offset > bytes)
    in.fail("pointer " + std::to_string(offset) + " bytes into " + std::to_string(bytes) + " of `" +
            f.slots[slot].name + "`");
}

void restore_pointer(RestoreState& state, const SlotDescriptor& slot, std::byte* field,
                     Reader& in) {
  if (has_other_bytes(slot))
    in.read(field, std::size_t(slot.size));
  auto tag = PointerTag(in.varint());
  if (tag == PointerTag::tracked) { // checked: the slot has a codec
    const FunctionDescriptor& f = *state.records.back()->function;
    state.heap_regions.watermarks[{state.records.size() - 1, std::uint32_t(&slot - f.slots)}] =
        state.tracked->objects.size();
    codec_ops(slot).load(field + slot.extent, in);
    return;
  }
  store_pointer(field + slot.extent, read_pointer(state, tag, in));
}

namespace {

void* read_pointer(RestoreState& state, PointerTag tag, Reader& in) {
  if (tag == PointerTag::null)
    return nullptr;
  if (tag == PointerTag::into_constant)
    return const_cast<void*>(read_constant(in));
  // Validated by plan_restore: a live object of this frame or a caller, a region it has, or
  // one of the root's arguments.
  if (tag == PointerTag::into_argument || tag == PointerTag::into_argument_heap) {
    auto index = std::size_t(in.varint());
    const RootArgument& argument = state.arguments->at(index);
    auto* base = static_cast<const std::byte*>(argument.object);
    if (tag == PointerTag::into_argument_heap) {
      auto region = std::size_t(in.varint());
      const std::vector<HeapRegion>& owned =
          cached_regions(state.heap_regions, argument_key(index), argument.save, argument.object);
      if (region >= owned.size()) // the argument differs from what was checked
        in.fail("heap region " + std::to_string(region) + " of argument #" + std::to_string(index) +
                " is missing after its decoding");
      base = owned[region].base;
    }
    return const_cast<std::byte*>(base) + in.varint();
  }
  std::uint64_t up = in.varint();
  std::size_t frame_index = state.records.size() - 1 - std::size_t(up);
  const FrameRecord* frame = state.records[frame_index];
  auto slot = std::uint32_t(in.varint());
  const SlotDescriptor& target = frame->function->slots[slot];
  auto* base = static_cast<std::byte*>(slot_object(frame, target));
  if (tag == PointerTag::into_heap) {
    auto region = std::size_t(in.varint());
    const std::vector<HeapRegion>& owned =
        cached_regions(state.heap_regions, {frame_index, slot}, codec_ops(target).save, base);
    if (region >= owned.size()) // the restored object differs from what was checked
      in.fail("heap region " + std::to_string(region) + " of `" + target.name +
              "` is missing after its restore");
    base = const_cast<std::byte*>(owned[region].base);
  }
  return base + in.varint();
}

} // namespace

} // namespace ppp2p::detail
