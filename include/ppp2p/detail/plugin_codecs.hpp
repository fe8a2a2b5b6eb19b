// The type-erased codecs the ppp2p plugin instantiates for frame slots (slot_codec), records
// moved field by field from their layout (fieldwise_codec) and range-for iterators
// (iterator_codec). Users never name them.
#pragma once

// codec.hpp includes this file at its end; included first, it brings codec.hpp in before its
// own body.
#include <ppp2p/codec.hpp>

#include <cstddef>
#include <iterator>
#include <memory>
#include <new>
#include <typeinfo>

namespace ppp2p {

namespace detail {

/// The type-erased codec the plugin instantiates for every frame slot of type T.
/// A class object a slot holds, which raw pointers inside it may point back to.
template <class T> void track_whole(TrackedScope& scope, const void* object) {
  if constexpr (std::is_class_v<T>)
    scope.track_whole(object, typeid(T));
}

/// Each call is a whole encoding (tracked_session.hpp): the objects the slot's raw pointers
/// reach follow its value.
template <class T> struct slot_codec {
  static void save(const void* object, Writer& out) {
    TrackedScope tracked(TrackedMode::save);
    track_whole<T>(tracked, object);
    codec<T>::save(out, *static_cast<const T*>(object));
    tracked.finish(out);
  }
  static void load(void* storage, Reader& in) {
    TrackedScope tracked(TrackedMode::load);
    track_whole<T>(tracked, storage);
    ::new (storage) T(codec<T>::load(in));
    tracked.finish(in);
  }
  static void check(Reader& in) {
    TrackedScope tracked(TrackedMode::check);
    track_whole<T>(tracked, nullptr);
    (void)codec<T>::load(in);
    tracked.finish(in);
  }
  static void destroy(void* object) { static_cast<T*>(object)->~T(); }
};

template <class T, std::size_t N> struct slot_codec<T[N]> {
  static void save(const void* object, Writer& out) {
    TrackedScope tracked(TrackedMode::save); // one session for all elements
    for (std::size_t i = 0; i < N; ++i)
      slot_codec<T>::save(static_cast<const T*>(object) + i, out);
    tracked.finish(out);
  }
  static void load(void* storage, Reader& in) {
    TrackedScope tracked(TrackedMode::load);
    T* elements = static_cast<T*>(storage);
    std::size_t built = 0;
    try {
      for (; built < N; ++built)
        slot_codec<T>::load(elements + built, in);
      tracked.finish(in);
    } catch (...) {
      while (built > 0)
        slot_codec<T>::destroy(elements + --built);
      throw;
    }
  }
  static void check(Reader& in) {
    TrackedScope tracked(TrackedMode::check);
    for (std::size_t i = 0; i < N; ++i)
      slot_codec<T>::check(in);
    tracked.finish(in);
  }
  static void destroy(void* object) {
    for (std::size_t i = N; i > 0; --i)
      slot_codec<T>::destroy(static_cast<T*>(object) + i - 1);
  }
};

/// A field of a record moved field by field: its type and byte offset.
template <class Type, std::size_t Offset> struct field {};

/// The vtable pointer at Offset in a polymorphic Record moved field by field (Itanium C++ ABI:
/// one per subobject that has its own), a field the plugin adds from the record's layout.
template <class Record, std::size_t Offset> struct vtable_pointer { const void* value; };

/// Saves a vtable pointer as its place in read-only memory of a loaded module (runtime/
/// vtable_pointers.cpp); throws ppp2p::error (capture_failed) if it points elsewhere.
void save_vtable_pointer(Writer& out, const void* vptr);
/// Loads one, failing `in` unless it is a vtable of `most_derived` (when known: RTTI) for the
/// subobject `-offset_to_top` bytes into the object.
const void* load_vtable_pointer(Reader& in, const std::type_info* most_derived,
                                std::ptrdiff_t offset_to_top);

/// Field-by-field codec of a record C++ cannot rebuild from its fields (a lambda's closure):
/// the plugin instantiates it with the record's field types and offsets. Each field is
/// constructed in place at its offset; the record's destructor destroys them.
template <class Record, class... Fields> struct fieldwise_codec;

template <class Record, class... Types, std::size_t... Offsets>
struct fieldwise_codec<Record, field<Types, Offsets>...> {
  template <class Type> static void save_field(Writer& out, const Type& value) {
    if constexpr (std::is_array_v<Type>)
      slot_codec<Type>::save(&value, out);
    else
      codec<Type>::save(out, value);
  }
  // A frame slot's codec itself, or nested in a class's: one session either way.
  static void save(const void* object, Writer& out) {
    TrackedScope tracked(TrackedMode::save);
    tracked.track_whole(object, typeid(Record));
    auto* base = static_cast<const unsigned char*>(object);
    (save_field(out, *reinterpret_cast<const Types*>(base + Offsets)), ...);
    tracked.finish(out);
  }
  static void load(void* storage, Reader& in) {
    TrackedScope tracked(TrackedMode::load);
    tracked.track_whole(storage, typeid(Record));
    auto* base = static_cast<unsigned char*>(storage);
    std::size_t built = 0;
    void (*destroyers[])(void*) = {&slot_codec<Types>::destroy..., nullptr};
    std::size_t offsets[] = {Offsets..., 0};
    try {
      ((slot_codec<Types>::load(base + Offsets, in), ++built), ...);
      tracked.finish(in);
    } catch (...) {
      while (built > 0) {
        --built;
        destroyers[built](base + offsets[built]);
      }
      throw;
    }
  }
  static void check(Reader& in) {
    TrackedScope tracked(TrackedMode::check);
    tracked.track_whole(nullptr, typeid(Record));
    (slot_codec<Types>::check(in), ...);
    tracked.finish(in);
  }
  static void destroy(void* object) { static_cast<Record*>(object)->~Record(); }
  /// Destroys what load built, field by field in reverse, without the record's destructor: for
  /// storage a whole was moved out of, which no constructor of Record made.
  static void destroy_fields(void* object) {
    auto* base = static_cast<unsigned char*>(object);
    void (*destroyers[])(void*) = {&slot_codec<Types>::destroy..., nullptr};
    std::size_t offsets[] = {Offsets..., 0};
    for (std::size_t i = sizeof...(Types); i > 0; --i)
      destroyers[i - 1](base + offsets[i - 1]);
  }
};

/// The type-erased codec of a range-for's iterator: moved as its distance from the begin() of
/// its container, restored with std::next on the restored container.
template <class Container, class Iterator> struct iterator_codec {
  static Iterator first(void* container) { return static_cast<Container*>(container)->begin(); }
  static void save(const void* iterator, const void* container, Writer& out) {
    Iterator begin = first(const_cast<void*>(container));
    out.varint(std::uint64_t(std::distance(begin, *static_cast<const Iterator*>(iterator))));
  }
  static void load(void* storage, void* container, Reader& in) {
    std::uint64_t distance = in.varint();
    Iterator begin = first(container);
    auto size =
        std::uint64_t(std::distance(begin, Iterator(static_cast<Container*>(container)->end())));
    if (distance > size)
      in.fail("iterator at " + std::to_string(distance) + " in a container of " +
              std::to_string(size) + " elements");
    ::new (storage) Iterator(std::next(begin, std::ptrdiff_t(distance)));
  }
  static void check(Reader& in) { (void)in.varint(); }
  static void destroy(void* iterator) { static_cast<Iterator*>(iterator)->~Iterator(); }
  static void* element(void* iterator) {
    return const_cast<void*>(
        static_cast<const void*>(std::addressof(**static_cast<Iterator*>(iterator))));
  }
};

} // namespace detail

template <class Record, std::size_t Offset> struct codec<detail::vtable_pointer<Record, Offset>> {
  static void save(Writer& out, const detail::vtable_pointer<Record, Offset>& pointer) {
    detail::save_vtable_pointer(out, pointer.value);
  }
  static detail::vtable_pointer<Record, Offset> load(Reader& in) {
#ifdef __GXX_RTTI
    const std::type_info* type = &typeid(Record);
#else
    const std::type_info* type = nullptr;
#endif
    return {detail::load_vtable_pointer(in, type, -std::ptrdiff_t(Offset))};
  }
};

} // namespace ppp2p
