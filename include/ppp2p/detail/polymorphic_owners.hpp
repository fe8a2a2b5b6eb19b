// Objects owned through a smart pointer to a polymorphic base (a unique_ptr<Shape> holding a
// Circle): moved as their dynamic class, which a registry of (base, derived) pairs maps to that
// class's codec. The ppp2p plugin registers, in each translation unit that encodes a
// unique_ptr or shared_ptr to a polymorphic class, every class derived from it that the unit
// defines and that can move (polymorphic_registration<Base, Derived>: a static initialiser).
// An object of a class no unit registered fails its encoding, naming the class.
#pragma once

// codec.hpp includes this file at its end; included first, it brings codec.hpp in before its
// own body.
#include <ppp2p/codec.hpp>
#include <ppp2p/detail/tracked_pointers.hpp>
#include <ppp2p/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>

namespace ppp2p::detail {

/// How to move an object of class `derived` owned as a `base`.
struct polymorphic_entry {
  const std::type_info* base;
  const std::type_info* derived;
  std::size_t size; // sizeof the derived class: its heap region
  /// Encodes the object, given its most derived address.
  void (*save)(const void* object, Writer& out);
  /// Builds one with `new` from its encoding; returns its base subobject.
  void* (*make)(Reader& in);
};

/// Adds an entry (at static initialisation; a pair registered twice keeps the first); true.
bool register_polymorphic(const polymorphic_entry& entry) noexcept;
/// The entry for the class named `derived_name` (a type_info name) owned as `base`, or null.
/// Compared by name: each shared object may hold its own type_info of a class.
const polymorphic_entry* find_polymorphic(const std::type_info& base,
                                          std::string_view derived_name) noexcept;
/// The class's name as written in C++ ("shapes::Circle"), for messages.
std::string class_name(const std::type_info& type);

/// Instantiated by the plugin for each class Derived of a translation unit that derives from a
/// polymorphic Base some smart pointer's codec owns; never named by users.
template <class Base, class Derived> struct polymorphic_registration {
  static void save(const void* object, Writer& out) {
    codec<Derived>::save(out, *static_cast<const Derived*>(object));
  }
  static void* make(Reader& in) {
    return static_cast<Base*>(new Derived(codec<Derived>::load(in)));
  }
  static constexpr polymorphic_entry entry{&typeid(Base), &typeid(Derived), sizeof(Derived), &save,
                                           &make};
  inline static const bool registered = register_polymorphic(entry);
};

template <class T>
inline constexpr bool may_own_derived =
#ifdef __GXX_RTTI
    std::is_polymorphic_v<T> && !std::is_final_v<T>;
#else
    false; // without RTTI the dynamic class cannot be found: an object moves as a T
#endif

/// This thread's stack [begin, floor): the part an encoding or decoding of owned objects leaves
/// alone, a reserve at the stack's end ({0, 0} where it is not known).
struct StackReserve {
  std::uintptr_t begin = 0, floor = 0;
};
StackReserve owned_object_stack_reserve() noexcept;
[[noreturn]] void fail_nested_too_deep(const std::type_info& type);

/// An object a smart pointer owns moves inside its owner's encoding, so a chain of them (a list
/// linked by unique_ptrs) recurses once per link: past the floor it fails, naming the class,
/// instead of overflowing the stack.
inline bool stack_room_left() {
  thread_local const StackReserve reserve = owned_object_stack_reserve();
  auto frame = reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
  return frame >= reserve.floor || frame < reserve.begin; // (not on that stack: not checked)
}

/// A smart pointer's object: a byte, 0 (none), 1 (an object of class T), 2 (an object of a
/// class derived from T, for a polymorphic T that is not final: then the class's type_info
/// name and its own encoding) or 3 (an object the encoding met before, through a raw pointer or
/// another shared_ptr: then its id, tracked_session.hpp). Objects 1 and 2 get the next id, so
/// raw pointers in them back to their owners (a node's parent) and further smart pointers to
/// them refer to them. The object is a heap region (heap_regions.hpp), of its most derived
/// class's size. `owner` says which smart pointer holds it.
template <class T> void save_owned(Writer& out, const T* object, TrackedOwner owner) {
  std::uint8_t kind = object ? 1 : 0;
  if (object && !stack_room_left())
    fail_nested_too_deep(typeid(T));
  const polymorphic_entry* entry = nullptr;
  if constexpr (may_own_derived<T>) {
    if (object && typeid(*object) != typeid(T)) {
      entry = find_polymorphic(typeid(T), typeid(*object).name());
      if (!entry)
        throw error(errc::encode_failed,
                    "an object of class `" + class_name(typeid(*object)) + "` owned as `" +
                        class_name(typeid(T)) +
                        "`: no translation unit of this program that encodes a smart pointer to `" +
                        class_name(typeid(T)) +
                        "` was compiled with the ppp2p plugin and defines that class (or the "
                        "class cannot move: the plugin then says why where it is defined)");
      kind = 2;
    }
  }
  const void* whole = object;
  const std::type_info* type = &typeid(T);
  if constexpr (may_own_derived<T>) {
    if (kind == 2) {
      whole = dynamic_cast<const void*>(object);
      type = entry->derived;
    }
  }
  std::uint64_t id = 0;
  TrackedObjects* session = kind != 0 ? &current_tracked_objects() : nullptr;
  if (session && !session->add(whole, *type, owner, id)) {
    TrackedObject& known = session->objects[std::size_t(id)];
    if (*known.type != *type)
      fail_tracked_type(*known.type, *type);
    bool shared_again = owner == TrackedOwner::shared && known.owner == TrackedOwner::shared;
    if (known.owner != TrackedOwner::raw && !shared_again && !session->replay)
      throw error(errc::encode_failed,
                  "an object of class `" + class_name(*type) + "` is owned by two smart " +
                      "pointers that do not share it (a unique_ptr and another owner)");
    if (shared_again && *known.shared_type != typeid(T) && !session->replay)
      throw error(errc::encode_failed, "an object of class `" + class_name(*type) +
                                           "` is shared through shared_ptrs to `" +
                                           class_name(*known.shared_type) + "` and to `" +
                                           class_name(typeid(T)) +
                                           "`: sharing through two classes is not built yet");
    known.owner = owner;
    known.shared_type = &typeid(T);
    kind = 3;
  } else if (session) {
    session->objects[std::size_t(id)].shared_type = &typeid(T);
  }
  out.write(&kind, 1);
  if (kind == 1) {
    if constexpr (!std::is_abstract_v<T>) {
      note_heap_region(object, sizeof(T));
      save_value(out, *object);
    }
  } else if (kind == 3) {
    out.varint(id);
  } else if constexpr (may_own_derived<T>) {
    if (kind == 2) {
      std::string_view name = entry->derived->name();
      out.varint(name.size());
      out.write(name.data(), name.size());
      note_heap_region(whole, entry->size);
      entry->save(whole, out);
    }
  }
}

/// What save_owned wrote, built with `new` (the caller owns it unless met before); `owner`
/// names the smart pointer in errors. In a check, an object met before is null.
template <class T> Owned<T> load_owned(Reader& in, const char* owner, TrackedOwner holder) {
  std::uint8_t kind;
  in.read(&kind, 1);
  if (kind == 0)
    return {};
  if (!stack_room_left())
    in.fail(std::string(owner) + "s nested too deeply to decode on this thread's stack");
  TrackedObjects& session = current_tracked_objects();
  if (kind == 3) {
    std::uint64_t id = in.varint();
    if (id >= session.objects.size())
      in.fail(std::string(owner) + " of object #" + std::to_string(id) + " of " +
              std::to_string(session.objects.size()) + " met so far");
    TrackedObject& known = session.objects[std::size_t(id)];
    bool shared_again = holder == TrackedOwner::shared && known.owner == TrackedOwner::shared;
    if (known.owner != TrackedOwner::raw && !shared_again && !session.replay)
      in.fail(std::string(owner) + " of object #" + std::to_string(id) +
              ", which another smart pointer owns");
    if (*known.type != typeid(T) && !shared_again)
      in.fail(std::string(owner) + " of object #" + std::to_string(id) + " as another class");
    if (shared_again && *known.shared_type != typeid(T))
      in.fail(std::string(owner) + " of object #" + std::to_string(id) +
              " shared as another class");
    known.owner = holder;
    known.shared_type = &typeid(T);
    if (session.mode == TrackedMode::check)
      return {nullptr, id, true};
    if (!known.address)
      in.fail(std::string(owner) + " of object #" + std::to_string(id) + " while it is built");
    if (shared_again)
      return {nullptr, id, true}; // the caller shares known.shared
    return {static_cast<T*>(const_cast<void*>(known.address)), id, true};
  }
  if (kind == 1) {
    if constexpr (std::is_abstract_v<T>) {
      in.fail(std::string(owner) + " of an object of abstract class `" + class_name(typeid(T)) +
              "` itself");
    } else {
      // Its storage first: raw pointers inside it back to it (a parent) take its address.
      void* storage = allocate_like_new<T>();
      std::uint64_t id = session.add_loaded(storage, typeid(T), holder);
      session.objects[std::size_t(id)].shared_type = &typeid(T);
      note_heap_region(storage, sizeof(T));
      try {
        tracked_codec<T>::load(storage, in);
      } catch (...) {
        // Zeroed again and never freed: a raw pointer read before the failure may hold it.
        std::memset(storage, 0, sizeof(T));
        abandon_storage(storage);
        throw;
      }
      return {static_cast<T*>(storage), id, false};
    }
  }
  if constexpr (may_own_derived<T>) {
    if (kind == 2) {
      std::uint64_t length = in.varint();
      if (length == 0 || length > 4096 || length > in.remaining())
        in.fail(std::string(owner) + " of a derived class named in " + std::to_string(length) +
                " bytes");
      std::string name(std::size_t(length), '\0');
      in.read(name.data(), name.size());
      const polymorphic_entry* entry = find_polymorphic(typeid(T), name);
      if (!entry)
        in.fail(std::string(owner) + " of an object of class " + name + " owned as `" +
                class_name(typeid(T)) + "`, which this program cannot build");
      // Its address is known once it is built: raw pointers back to it fail until then.
      std::uint64_t id = session.add_loaded(nullptr, *entry->derived, holder);
      session.objects[std::size_t(id)].shared_type = &typeid(T);
      std::size_t region = begin_heap_region();
      T* object = static_cast<T*>(entry->make(in));
      const void* whole = dynamic_cast<const void*>(object);
      set_heap_region(region, whole, entry->size);
      if (session.mode != TrackedMode::check)
        session.objects[std::size_t(id)].address = whole;
      return {object, id, false};
    }
  }
  in.fail(std::string(owner) + " flag holds " + std::to_string(kind));
}

} // namespace ppp2p::detail
