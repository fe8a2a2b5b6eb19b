// Raw pointers to class objects (a tree's `Node* left`): moved as the objects they reach, each
// once per encoding (tracked_session.hpp). The object is taken to be one made with `new T`
// (not an element of an array, nor a member of another object); a pointer into a stack or a
// mutable global fails the encoding, naming the class, and one into read-only memory (a const
// global) moves as that place. A pointer into memory another value owns (a vector's element)
// is relocated only as a frame's pointer variable (pointer_relocation.hpp), not as a field.
#pragma once

// codec.hpp includes this file at its end; included first, it brings codec.hpp in before its
// own body.
#include <ppp2p/codec.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <type_traits>
#include <typeinfo>

namespace ppp2p::detail {

/// Zeroed storage for a T taken as `new T` takes it (T's own operator new if it declares one,
/// the aligned global one for an over-aligned T), so that the program's `delete` matches. Zeroed
/// because a decoding that fails may leave it unbuilt where an owner's destructor finds it.
template <class T> void* allocate_like_new() {
  void* storage;
  if constexpr (requires { T::operator new(sizeof(T)); })
    storage = T::operator new(sizeof(T));
  else if constexpr (alignof(T) > __STDCPP_DEFAULT_NEW_ALIGNMENT__)
    storage = ::operator new(sizeof(T), std::align_val_t(alignof(T)));
  else
    storage = ::operator new(sizeof(T));
  return std::memset(storage, 0, sizeof(T));
}

// runtime/tracked_objects.cpp
/// For an object a raw pointer reaches that the session does not know: writes
/// TrackedTag::constant and its place and returns true for read-only memory of a loaded module;
/// returns false for the heap (the object is then tracked). Throws ppp2p::error
/// (encode_failed) naming `type` for a stack, writable memory of a module (a mutable global)
/// and, where a sanitizer's allocator can tell, memory that is not the start of an allocation
/// of at least `bytes`.
bool save_untracked_place(Writer& out, const void* object, std::size_t bytes,
                          const std::type_info& type);
/// The address of what save_untracked_place wrote after TrackedTag::constant.
const void* load_constant_place(Reader& in);
/// Throws ppp2p::error (encode_failed): the object at one address taken as two classes.
[[noreturn]] void fail_tracked_type(const std::type_info& first, const std::type_info& second);
/// Throws ppp2p::error (encode_failed): a raw pointer to a polymorphic class whose object is of
/// a derived class.
[[noreturn]] void fail_tracked_dynamic(const std::type_info& pointer, const std::type_info& object);

/// The codec of a tracked object's class, type-erased for the session's queue.
template <class T> struct tracked_codec {
  static void save(const void* object, Writer& out) {
    save_value(out, *static_cast<const T*>(object));
  }
  static void load(void* storage, Reader& in) { ::new (storage) T(load_value<T>(in)); }
  static void check(Reader& in) { (void)load_value<T>(in); }
  static constexpr TrackedCodec ops{sizeof(T), &typeid(T), &save, &load, &check};
};

template <class T> struct tracked_pointer_codec {
  using Object = std::remove_cv_t<T>;
  static_assert(!std::is_abstract_v<Object>,
                "ppp2p: a raw pointer to an abstract class cannot move (the object's class is "
                "unknown); own the object with a std::unique_ptr");

  static void save(Writer& out, T* pointer) {
    if (!pointer) {
      out.varint(std::uint64_t(TrackedTag::null));
      return;
    }
    if constexpr (std::is_polymorphic_v<Object>) {
      if (typeid(*pointer) != typeid(Object))
        fail_tracked_dynamic(typeid(Object), typeid(*pointer));
    }
    TrackedObjects& session = current_tracked_objects();
    const void* address = pointer;
    if (auto known = session.ids.find(address); known != session.ids.end()) {
      const TrackedObject& object = session.objects[std::size_t(known->second)];
      if (*object.type != typeid(Object))
        fail_tracked_type(*object.type, typeid(Object));
      out.varint(std::uint64_t(TrackedTag::seen));
      out.varint(known->second);
      return;
    }
    if (save_untracked_place(out, address, sizeof(Object), typeid(Object)))
      return;
    std::uint64_t id = 0;
    session.add(address, typeid(Object), TrackedOwner::raw, id);
    out.varint(std::uint64_t(TrackedTag::fresh));
    session.defer(const_cast<Object*>(pointer), tracked_codec<Object>::ops);
  }

  static T* load(Reader& in) {
    auto tag = TrackedTag(in.varint());
    if (tag == TrackedTag::null)
      return nullptr;
    if (tag == TrackedTag::constant)
      return static_cast<T*>(const_cast<void*>(load_constant_place(in)));
    TrackedObjects& session = current_tracked_objects();
    bool check = session.mode == TrackedMode::check;
    if (tag == TrackedTag::seen) {
      std::uint64_t id = in.varint();
      if (id >= session.objects.size())
        in.fail("pointer to object #" + std::to_string(id) + " of " +
                std::to_string(session.objects.size()) + " met so far");
      const TrackedObject& object = session.objects[std::size_t(id)];
      if (*object.type != typeid(Object))
        in.fail("pointer to object #" + std::to_string(id) + " as another class than it has");
      if (check)
        return nullptr;
      if (!object.address)
        in.fail("pointer to object #" + std::to_string(id) + " while it is being built");
      return static_cast<T*>(const_cast<void*>(object.address));
    }
    if (tag != TrackedTag::fresh)
      in.fail("pointer tag " + std::to_string(unsigned(tag)));
    void* storage = check ? nullptr : allocate_like_new<Object>();
    session.add_loaded(storage, typeid(Object), TrackedOwner::raw);
    session.defer(storage, tracked_codec<Object>::ops);
    return static_cast<T*>(storage);
  }
};

} // namespace ppp2p::detail
