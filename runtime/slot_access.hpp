// Reading slots out of a frame record, shared by capture and restore.
#pragma once

#include <ppp2p/detail/frame_abi.hpp>

#include <cstddef>
#include <cstring>
#include <string>

namespace ppp2p::detail {

inline void* load_pointer(const void* field) {
  void* pointer;
  std::memcpy(&pointer, field, sizeof pointer);
  return pointer;
}

inline void store_pointer(void* field, const void* pointer) {
  std::memcpy(field, &pointer, sizeof pointer);
}

inline std::byte* record_field(const FrameRecord* record, const SlotDescriptor& slot) {
  return reinterpret_cast<std::byte*>(const_cast<FrameRecord*>(record)) + slot.record_offset;
}

/// Kinds whose record field holds the object's address rather than a copy of its value.
inline bool held_by_address(const SlotDescriptor& slot) {
  auto kind = SlotKind(slot.kind);
  return kind == SlotKind::raw_address || kind == SlotKind::codec_address ||
         kind == SlotKind::iterator;
}

/// Where the slot's object (or, for value slots, the record's copy of it) is.
inline void* slot_object(const FrameRecord* record, const SlotDescriptor& slot) {
  std::byte* field = record_field(record, slot);
  return held_by_address(slot) ? load_pointer(field) : field;
}

/// What a frame_pointer slot points into: the target slot's object, or, if the target is a
/// reference (held by value), the object it refers to.
inline void* pointee_base(const FrameRecord* record, const SlotDescriptor& target) {
  void* object = slot_object(record, target);
  return held_by_address(target) ? object : load_pointer(object);
}

inline std::uint64_t pointee_size(const SlotDescriptor& pointer, const SlotDescriptor& target) {
  return held_by_address(target) ? target.size : pointer.extent;
}

/// "file:line:column" of site `site` of `f`, for messages.
inline std::string site_text(const FunctionDescriptor& f, std::uint32_t site) {
  const SiteDescriptor& s = f.sites[site];
  return std::string(f.file ? f.file : "?") + ":" + std::to_string(s.line) + ":" +
         std::to_string(s.column);
}

inline const CodecOps& codec_ops(const SlotDescriptor& slot) {
  return *static_cast<const CodecOps*>(slot.ops);
}

inline const IteratorOps& iterator_ops(const SlotDescriptor& slot) {
  return *static_cast<const IteratorOps*>(slot.ops);
}

} // namespace ppp2p::detail
