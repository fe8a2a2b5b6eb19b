// The codec layer: how values cross ppp2p (frame slots, arguments, results, messages, globals).
//
// codec<T> has `static void save(Writer&, const T&)` and `static T load(Reader&)`. It exists for
//  - arithmetic and enum types, and trivially copyable types without pointers (as raw bytes,
//    padding included: compare such values field by field, not by their encoding);
//  - std::string, vector, deque, list, forward_list, array, valarray, map, multimap, set,
//    multiset, unordered_map/set/multimap/multiset, stack, queue, priority_queue, optional,
//    variant, monostate, pair, tuple, unique_ptr, shared_ptr, complex, bitset,
//    chrono::duration and chrono::time_point of codec-able types (with the default comparators,
//    hashers and allocators; priority_queue keeps its comparator, see
//    detail/std_adapter_codecs.hpp; a unique_ptr or shared_ptr to a polymorphic class moves
//    the object as its dynamic class, see detail/polymorphic_owners.hpp);
//  - aggregates of codec-able fields, field by field, automatically (move-only fields too);
//  - classes with a cereal-style member `template <class Ar> void serialize(Ar& ar) { ar(a, b); }`
//    (they must be default-constructible);
//  - with the ppp2p plugin, any other class whose fields and bases can move, private ones
//    included, field by field from its layout, with no default constructor needed
//    (detail/class_fields_codec.hpp);
//  - and any type for which the user specialises ppp2p::codec.
// Anything else is a compile error naming the type; the ppp2p plugin reports the same rules with
// the variable and the site where the value would have to move.
//
// This header holds the API and the rules above; the codecs of standard types and the plugin's
// type-erased codecs live in detail/ headers, included at the end.
#pragma once

#include <ppp2p/detail/aggregate_fields.hpp>
#include <ppp2p/detail/byte_io.hpp>
#include <ppp2p/detail/class_fields_codec.hpp>
#include <ppp2p/detail/heap_regions.hpp>
#include <ppp2p/detail/tracked_session.hpp>

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

namespace ppp2p {

template <class T> struct codec;

namespace detail {

template <class T> inline constexpr bool dependent_false = false;

struct OutArchive {
  Writer& out;
  template <class... X> void operator()(const X&... values);
};

struct InArchive {
  Reader& in;
  template <class... X> void operator()(X&... values);
};

template <class T>
concept has_serialize_member = requires(T& value, OutArchive& out, InArchive& in) {
  value.serialize(out);
  value.serialize(in);
};

/// Converts only to pointers: where it can initialise an aggregate's element, that element is
/// a pointer (a field, an element of an array field, or a field of a nested aggregate).
struct any_pointer {
  template <class U>
  requires std::is_pointer_v<U>
  operator U() const noexcept;
};

template <class T, std::size_t At, std::size_t... I>
constexpr bool pointer_at(std::index_sequence<I...>) {
  return requires {
    T{std::conditional_t<I == At, any_pointer, any_field>{}...};
  };
}

/// An aggregate with a pointer among its elements, which its bytes would carry dangling.
template <class T> constexpr bool aggregate_holds_pointers() {
  if constexpr (std::is_class_v<T> && std::is_aggregate_v<T> && !std::is_empty_v<T>) {
    constexpr std::size_t n = aggregate_field_count<T>();
    return [&]<std::size_t... At>(std::index_sequence<At...>) {
      return (pointer_at<T, At>(std::make_index_sequence<n>{}) || ...);
    }
    (std::make_index_sequence < n <= kMaxAggregateFields ? n : 0 > {});
  } else {
    return false;
  }
}

/// Stored as its bytes: trivially copyable, and nothing in it that could point anywhere.
template <class T>
concept raw_bytes =
    std::is_trivially_copyable_v<T> && !std::is_pointer_v<T> && !std::is_member_pointer_v<T> &&
    !std::is_same_v<T, std::nullptr_t> && !std::is_same_v<T, bool> && !has_serialize_member<T> &&
    !aggregate_holds_pointers<T>();

/// x86's 80-bit long double occupies 16 bytes of which 6 are padding: encode only the 10.
template <class T>
concept x87_long_double = std::is_same_v<T, long double> && sizeof(long double) >= 10 &&
                          std::numeric_limits<long double>::digits == 64;

template <class T> void save_raw(Writer& out, const T& value) {
  if constexpr (std::is_empty_v<T>) {
    // Its one byte holds nothing: write a zero rather than whatever the stack held there.
    std::uint8_t zero = 0;
    out.write(&zero, 1);
  } else {
    out.write(&value, sizeof(T));
  }
}

template <class T> T load_raw(Reader& in) {
  // A trivially copyable T may lack a default constructor (a lambda with captures, a
  // priority_queue's comparator): build it from its bytes.
  std::array<unsigned char, sizeof(T)> bytes;
  in.read(bytes.data(), sizeof(T));
  return std::bit_cast<T>(bytes);
}

template <class T> struct default_codec {
  static void save(Writer& out, const T& value) {
    if constexpr (std::is_same_v<T, bool>) {
      std::uint8_t byte = value ? 1 : 0;
      out.write(&byte, 1);
    } else if constexpr (x87_long_double<T>) {
      out.write(&value, 10); // the other bytes are padding
    } else if constexpr (has_serialize_member<T>) {
      OutArchive archive{out};
      const_cast<T&>(value).serialize(archive);
    } else if constexpr (std::is_pointer_v<T> || std::is_member_pointer_v<T>) {
      static_assert(dependent_false<T>, "ppp2p: raw pointers cannot move to another process; "
                                        "store the pointee by value or an index instead");
    } else if constexpr (raw_bytes<T>) {
      save_raw(out, value);
    } else if constexpr (std::is_aggregate_v<T> && !std::is_array_v<T>) {
      constexpr std::size_t n = aggregate_field_count<T>();
      if constexpr (n == 0) {
        std::uint8_t marker = 0; // every encoding takes at least one byte
        out.write(&marker, 1);
      } else {
        std::apply([&](const auto&... fields) { OutArchive{out}(fields...); },
                   tie_fields<n>(value));
      }
#ifdef __PPP2P_PLUGIN__
    } else if constexpr (std::is_class_v<T>) {
      // Field by field, by the codec the plugin defines from T's layout.
      if constexpr (std::is_empty_v<T>) {
        std::uint8_t marker = 0; // every encoding takes at least one byte
        out.write(&marker, 1);
      } else {
        class_fields_codec<T>().save(&value, out);
      }
#endif
    } else {
      static_assert(dependent_false<T>,
                    "ppp2p: this type is not codec-able: compile with the ppp2p plugin "
                    "(ppp2p-c++ or -fplugin=), which moves a class field by field, give it a "
                    "member `template <class Ar> void serialize(Ar& ar) { ar(fields...); }` or "
                    "specialise ppp2p::codec for it");
    }
  }

  static T load(Reader& in) {
    if constexpr (std::is_same_v<T, bool>) {
      std::uint8_t byte;
      in.read(&byte, 1);
      if (byte > 1)
        in.fail("bool holds " + std::to_string(byte));
      return byte == 1;
    } else if constexpr (x87_long_double<T>) {
      long double value = 0;
      in.read(&value, 10);
      return value;
    } else if constexpr (has_serialize_member<T>) {
      T value{};
      InArchive archive{in};
      value.serialize(archive);
      return value;
    } else if constexpr (raw_bytes<T>) {
      return load_raw<T>(in);
    } else if constexpr (std::is_aggregate_v<T> && !std::is_array_v<T>) {
      constexpr std::size_t n = aggregate_field_count<T>();
      if constexpr (n == 0) {
        std::uint8_t marker;
        in.read(&marker, 1);
        return T{};
      } else {
        using Fields = decltype(tie_fields<n>(std::declval<T&>()));
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
          // Braced initialisation evaluates its elements left to right.
          return T{codec<std::remove_cvref_t<std::tuple_element_t<I, Fields>>>::load(in)...};
        }
        (std::make_index_sequence<n>{});
      }
#ifdef __PPP2P_PLUGIN__
    } else if constexpr (std::is_class_v<T>) {
      if constexpr (std::is_empty_v<T>) {
        std::uint8_t marker;
        in.read(&marker, 1);
      }
      return load_fields(in);
#endif
    } else {
      static_assert(dependent_false<T>, "ppp2p: this type is not codec-able");
    }
  }

private:
#ifdef __PPP2P_PLUGIN__
  /// Builds the fields in raw storage (no constructor of T runs), then moves the whole out.
  static T load_fields(Reader& in) {
    const class_codec_table& table = class_fields_codec<T>();
    alignas(T) unsigned char storage[sizeof(T)];
    table.load(storage, in);
    struct DestroyFields {
      const class_codec_table& table;
      void* object;
      ~DestroyFields() { table.destroy_fields(object); }
    } destroy{table, storage};
    return T(std::move(*std::launder(reinterpret_cast<T*>(storage))));
  }
#endif
};

template <class X> void save_value(Writer& out, const X& value) {
  codec<X>::save(out, value);
}

template <class X> X load_value(Reader& in) {
  return codec<X>::load(in);
}

template <class... X> void OutArchive::operator()(const X&... values) {
  (save_value(out, values), ...);
}

template <class... X> void InArchive::operator()(X&... values) {
  ((values = load_value<X>(in)), ...);
}

/// Encoded by codec<T> as all of its bytes, not by a specialisation with a format of its own
/// (std::complex, std::bitset, a user's) nor as fewer bytes (long double): containers may copy
/// such elements in bulk, and each takes sizeof(T) bytes.
template <class T>
concept bulk_bytes =
    raw_bytes<T> && !x87_long_double<T> && std::is_base_of_v<default_codec<T>, codec<T>>;

/// Minimum encoded size of one element, used to refuse impossible counts early.
template <class T> constexpr std::size_t min_encoded_size() {
  if constexpr (bulk_bytes<T>)
    return sizeof(T);
  else
    return 1;
}

/// A count, then each element: the encoding of every sequence and set.
template <class C> void save_sequence(Writer& out, const C& container, std::size_t size) {
  out.varint(size);
  for (const auto& element : container)
    save_value(out, element);
}

/// For containers whose elements each live in an allocation of their own (list, map and set
/// nodes, deque blocks): each element is a heap region (heap_regions.hpp).
template <class C>
void save_sequence_of_regions(Writer& out, const C& container, std::size_t size) {
  out.varint(size);
  for (auto at = container.begin(); at != container.end(); ++at) {
    note_element_region(at);
    save_value(out, *at);
  }
}

template <class T> struct pointer_codec {
  static_assert(dependent_false<T>, "ppp2p: raw pointers to other than class objects cannot "
                                    "move to another process; store the pointee by value or "
                                    "an index instead");
};

/// A raw pointer to a class object: the objects it reaches move with it (tracked_pointers.hpp).
template <class T> struct tracked_pointer_codec;

} // namespace detail

template <class T> struct codec : detail::default_codec<T> {};

template <class T>
struct codec<T*> : std::conditional_t<std::is_class_v<T>, detail::tracked_pointer_codec<T>,
                                      detail::pointer_codec<T>> {};

template <class T> struct codec<T&> {
  static_assert(detail::dependent_false<T>, "ppp2p: references cannot move; use a value");
};

/// Encodes `value` into `out`.
template <class T> void encode(Writer& out, const T& value) {
  bool raw_objects = false;
  {
    detail::TrackedScope tracked(detail::TrackedMode::save);
    codec<T>::save(out, value);
    tracked.finish(out);
    const detail::TrackedObjects* session = tracked.own_session();
    raw_objects = session && session->met_raw_objects();
  }
  if (raw_objects) // rare: raw pointers to objects; checked they were made with `new`
    detail::check_raw_objects_of([&](Writer& again) { codec<T>::save(again, value); });
}

/// Decodes a T from `in`; throws ppp2p::snapshot_error if the bytes do not decode.
template <class T> T decode(Reader& in) {
  detail::TrackedScope tracked(detail::TrackedMode::load);
  T value = codec<T>::load(in);
  tracked.finish(in);
  return value;
}

} // namespace ppp2p

// The codecs of standard types and the plugin's; each needs everything above, nothing of the
// others.
#include <ppp2p/detail/plugin_codecs.hpp>
#include <ppp2p/detail/polymorphic_owners.hpp>
#include <ppp2p/detail/std_adapter_codecs.hpp>
#include <ppp2p/detail/std_associative_codecs.hpp>
#include <ppp2p/detail/std_sequence_codecs.hpp>
#include <ppp2p/detail/std_value_codecs.hpp>
#include <ppp2p/detail/std_vocabulary_codecs.hpp>
#include <ppp2p/detail/tracked_pointers.hpp>
