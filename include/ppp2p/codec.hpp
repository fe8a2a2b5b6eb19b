// The codec layer: how values cross ppp2p (frame slots, arguments, results, messages, globals).
//
// codec<T> has `static void save(Writer&, const T&)` and `static T load(Reader&)`. It exists for
//  - arithmetic and enum types, and trivially copyable types without pointers (as raw bytes,
//    padding included: compare such values field by field, not by their encoding);
//  - std::string, vector, deque, list, forward_list, array, map, multimap, set, multiset,
//    unordered_map/set/multimap/multiset, optional, variant, monostate, pair, tuple, unique_ptr
//    and shared_ptr of codec-able types (with the default comparators, hashers and allocators);
//  - aggregates of codec-able fields, field by field, automatically;
//  - classes with a cereal-style member `template <class Ar> void serialize(Ar& ar) { ar(a, b); }`
//    (they must be default-constructible);
//  - and any type for which the user specialises ppp2p::codec.
// Anything else is a compile error naming the type; the ppp2p plugin reports the same rules with
// the variable and the site where the value would have to move.
#pragma once

#include <ppp2p/detail/aggregate_fields.hpp>
#include <ppp2p/detail/byte_io.hpp>

#include <array>
#include <deque>
#include <forward_list>
#include <iterator>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <variant>
#include <vector>

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

/// Stored as its bytes: trivially copyable, and nothing in it that could point anywhere.
template <class T>
concept raw_bytes =
    std::is_trivially_copyable_v<T> && !std::is_pointer_v<T> && !std::is_member_pointer_v<T> &&
    !std::is_same_v<T, std::nullptr_t> && !std::is_same_v<T, bool> && !has_serialize_member<T>;

/// x86's 80-bit long double occupies 16 bytes of which 6 are padding: encode only the 10.
template <class T>
concept x87_long_double = std::is_same_v<T, long double> && sizeof(long double) >= 10 &&
                          std::numeric_limits<long double>::digits == 64;

template <class T> void save_raw(Writer& out, const T& value) {
  out.write(&value, sizeof(T));
}

template <class T> T load_raw(Reader& in) {
  // A trivially copyable T may lack a default constructor: build it from bytes.
  alignas(T) unsigned char storage[sizeof(T)];
  in.read(storage, sizeof(T));
  T value;
  std::memcpy(static_cast<void*>(&value), storage, sizeof(T));
  return value;
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
    } else {
      static_assert(dependent_false<T>,
                    "ppp2p: this type is not codec-able: give it a member "
                    "`template <class Ar> void serialize(Ar& ar) { ar(fields...); }` or "
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
    } else {
      static_assert(dependent_false<T>, "ppp2p: this type is not codec-able");
    }
  }
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

/// Minimum encoded size of one element, used to refuse impossible counts early.
template <class T> constexpr std::size_t min_encoded_size() {
  if constexpr (raw_bytes<T>)
    return sizeof(T);
  else
    return 1;
}

template <class C> void save_sequence(Writer& out, const C& container, std::size_t size) {
  out.varint(size);
  for (const auto& element : container)
    save_value(out, element);
}

template <class C> void save_map(Writer& out, const C& container) {
  out.varint(container.size());
  for (const auto& [key, mapped] : container) {
    save_value(out, key);
    save_value(out, mapped);
  }
}

template <class C> C load_map(Reader& in) {
  using Key = typename C::key_type;
  using Mapped = typename C::mapped_type;
  C container;
  std::size_t n = in.count(2);
  for (std::size_t i = 0; i < n; ++i) {
    Key key = load_value<Key>(in);
    Mapped mapped = load_value<Mapped>(in);
    container.emplace_hint(container.end(), std::move(key), std::move(mapped));
  }
  return container;
}

template <class C> C load_set(Reader& in) {
  using Key = typename C::key_type;
  C container;
  std::size_t n = in.count(min_encoded_size<Key>());
  for (std::size_t i = 0; i < n; ++i)
    container.emplace_hint(container.end(), load_value<Key>(in));
  return container;
}

template <class T> struct pointer_codec {
  static_assert(dependent_false<T>, "ppp2p: raw pointers cannot move to another process; "
                                    "store the pointee by value or an index instead");
};

} // namespace detail

template <class T> struct codec : detail::default_codec<T> {};

template <class T> struct codec<T*> : detail::pointer_codec<T> {};

template <class T> struct codec<T&> {
  static_assert(detail::dependent_false<T>, "ppp2p: references cannot move; use a value");
};

template <class C, class Tr> struct codec<std::basic_string_view<C, Tr>> {
  static_assert(detail::dependent_false<C>,
                "ppp2p: std::string_view points into memory of this process; use std::string");
};

template <class T, std::size_t E> struct codec<std::span<T, E>> {
  static_assert(detail::dependent_false<T>,
                "ppp2p: std::span points into memory of this process; use std::vector");
};

template <class C, class Tr, class A> struct codec<std::basic_string<C, Tr, A>> {
  using S = std::basic_string<C, Tr, A>;
  static void save(Writer& out, const S& s) {
    out.varint(s.size());
    out.write(s.data(), s.size() * sizeof(C));
  }
  static S load(Reader& in) {
    S s;
    s.resize(in.count(sizeof(C)));
    in.read(s.data(), s.size() * sizeof(C));
    return s;
  }
};

template <class T, class A> struct codec<std::vector<T, A>> {
  static void save(Writer& out, const std::vector<T, A>& v) {
    if constexpr (detail::raw_bytes<T>) {
      out.varint(v.size());
      out.write(v.data(), v.size() * sizeof(T));
    } else {
      detail::save_sequence(out, v, v.size());
    }
  }
  static std::vector<T, A> load(Reader& in) {
    std::vector<T, A> v;
    std::size_t n = in.count(detail::min_encoded_size<T>());
    if constexpr (detail::raw_bytes<T>) {
      v.resize(n);
      in.read(v.data(), n * sizeof(T));
    } else {
      v.reserve(n);
      for (std::size_t i = 0; i < n; ++i)
        v.push_back(detail::load_value<T>(in));
    }
    return v;
  }
};

template <class A> struct codec<std::vector<bool, A>> {
  static void save(Writer& out, const std::vector<bool, A>& v) {
    out.varint(v.size());
    std::uint8_t byte = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i])
        byte |= std::uint8_t(1u << (i % 8));
      if (i % 8 == 7 || i + 1 == v.size()) {
        out.write(&byte, 1);
        byte = 0;
      }
    }
  }
  static std::vector<bool, A> load(Reader& in) {
    std::uint64_t n = in.varint();
    if (n / 8 > in.remaining())
      in.fail("vector<bool> of " + std::to_string(n) + " bits exceeds the remaining bytes");
    std::vector<bool, A> v(n);
    std::uint8_t byte = 0;
    for (std::size_t i = 0; i < n; ++i) {
      if (i % 8 == 0)
        in.read(&byte, 1);
      v[i] = (byte >> (i % 8)) & 1;
    }
    return v;
  }
};

template <class T, std::size_t N> struct codec<std::array<T, N>> {
  static void save(Writer& out, const std::array<T, N>& a) {
    if constexpr (detail::raw_bytes<T>)
      out.write(a.data(), sizeof(T) * N);
    else
      for (const auto& element : a)
        detail::save_value(out, element);
  }
  static std::array<T, N> load(Reader& in) {
    return [&]<std::size_t... I>(std::index_sequence<I...>) {
      return std::array<T, N>{((void)I, detail::load_value<T>(in))...};
    }
    (std::make_index_sequence<N>{});
  }
};

template <class T, class A> struct codec<std::deque<T, A>> {
  static void save(Writer& out, const std::deque<T, A>& d) {
    detail::save_sequence(out, d, d.size());
  }
  static std::deque<T, A> load(Reader& in) {
    std::deque<T, A> d;
    std::size_t n = in.count(detail::min_encoded_size<T>());
    for (std::size_t i = 0; i < n; ++i)
      d.push_back(detail::load_value<T>(in));
    return d;
  }
};

template <class T, class A> struct codec<std::list<T, A>> {
  static void save(Writer& out, const std::list<T, A>& l) {
    detail::save_sequence(out, l, l.size());
  }
  static std::list<T, A> load(Reader& in) {
    std::list<T, A> l;
    std::size_t n = in.count(detail::min_encoded_size<T>());
    for (std::size_t i = 0; i < n; ++i)
      l.push_back(detail::load_value<T>(in));
    return l;
  }
};

template <class T, class A> struct codec<std::forward_list<T, A>> {
  static void save(Writer& out, const std::forward_list<T, A>& l) {
    detail::save_sequence(out, l, std::size_t(std::distance(l.begin(), l.end())));
  }
  static std::forward_list<T, A> load(Reader& in) {
    std::forward_list<T, A> l;
    std::size_t n = in.count(detail::min_encoded_size<T>());
    auto tail = l.before_begin();
    for (std::size_t i = 0; i < n; ++i)
      tail = l.insert_after(tail, detail::load_value<T>(in));
    return l;
  }
};

template <class K, class V, class A> struct codec<std::map<K, V, std::less<K>, A>> {
  using M = std::map<K, V, std::less<K>, A>;
  static void save(Writer& out, const M& m) { detail::save_map(out, m); }
  static M load(Reader& in) { return detail::load_map<M>(in); }
};

template <class K, class V, class A> struct codec<std::multimap<K, V, std::less<K>, A>> {
  using M = std::multimap<K, V, std::less<K>, A>;
  static void save(Writer& out, const M& m) { detail::save_map(out, m); }
  static M load(Reader& in) { return detail::load_map<M>(in); }
};

template <class K, class V, class A>
struct codec<std::unordered_map<K, V, std::hash<K>, std::equal_to<K>, A>> {
  using M = std::unordered_map<K, V, std::hash<K>, std::equal_to<K>, A>;
  static void save(Writer& out, const M& m) { detail::save_map(out, m); }
  static M load(Reader& in) { return detail::load_map<M>(in); }
};

template <class K, class V, class A>
struct codec<std::unordered_multimap<K, V, std::hash<K>, std::equal_to<K>, A>> {
  using M = std::unordered_multimap<K, V, std::hash<K>, std::equal_to<K>, A>;
  static void save(Writer& out, const M& m) { detail::save_map(out, m); }
  static M load(Reader& in) { return detail::load_map<M>(in); }
};

template <class K, class A> struct codec<std::set<K, std::less<K>, A>> {
  using S = std::set<K, std::less<K>, A>;
  static void save(Writer& out, const S& s) { detail::save_sequence(out, s, s.size()); }
  static S load(Reader& in) { return detail::load_set<S>(in); }
};

template <class K, class A> struct codec<std::multiset<K, std::less<K>, A>> {
  using S = std::multiset<K, std::less<K>, A>;
  static void save(Writer& out, const S& s) { detail::save_sequence(out, s, s.size()); }
  static S load(Reader& in) { return detail::load_set<S>(in); }
};

template <class K, class A> struct codec<std::unordered_set<K, std::hash<K>, std::equal_to<K>, A>> {
  using S = std::unordered_set<K, std::hash<K>, std::equal_to<K>, A>;
  static void save(Writer& out, const S& s) { detail::save_sequence(out, s, s.size()); }
  static S load(Reader& in) { return detail::load_set<S>(in); }
};

template <class K, class A>
struct codec<std::unordered_multiset<K, std::hash<K>, std::equal_to<K>, A>> {
  using S = std::unordered_multiset<K, std::hash<K>, std::equal_to<K>, A>;
  static void save(Writer& out, const S& s) { detail::save_sequence(out, s, s.size()); }
  static S load(Reader& in) { return detail::load_set<S>(in); }
};

template <class A, class B> struct codec<std::pair<A, B>> {
  static void save(Writer& out, const std::pair<A, B>& p) {
    detail::save_value(out, p.first);
    detail::save_value(out, p.second);
  }
  static std::pair<A, B> load(Reader& in) {
    A first = detail::load_value<A>(in);
    return std::pair<A, B>(std::move(first), detail::load_value<B>(in));
  }
};

template <class... T> struct codec<std::tuple<T...>> {
  static void save(Writer& out, const std::tuple<T...>& t) {
    if constexpr (sizeof...(T) == 0) {
      std::uint8_t marker = 0;
      out.write(&marker, 1);
    } else {
      std::apply([&](const auto&... elements) { (detail::save_value(out, elements), ...); }, t);
    }
  }
  static std::tuple<T...> load(Reader& in) {
    if constexpr (sizeof...(T) == 0) {
      std::uint8_t marker;
      in.read(&marker, 1);
      return {};
    } else {
      return std::tuple<T...>{detail::load_value<T>(in)...}; // braced: left to right
    }
  }
};

template <class T> struct codec<std::optional<T>> {
  static void save(Writer& out, const std::optional<T>& o) {
    std::uint8_t engaged = o.has_value();
    out.write(&engaged, 1);
    if (o)
      detail::save_value(out, *o);
  }
  static std::optional<T> load(Reader& in) {
    std::uint8_t engaged;
    in.read(&engaged, 1);
    if (engaged > 1)
      in.fail("optional flag holds " + std::to_string(engaged));
    if (!engaged)
      return std::nullopt;
    return std::optional<T>(detail::load_value<T>(in));
  }
};

template <class... T> struct codec<std::variant<T...>> {
  using V = std::variant<T...>;
  static void save(Writer& out, const V& v) {
    if (v.valueless_by_exception())
      throw std::bad_variant_access();
    out.varint(v.index());
    std::visit([&](const auto& alternative) { detail::save_value(out, alternative); }, v);
  }
  static V load(Reader& in) {
    std::uint64_t index = in.varint();
    if (index >= sizeof...(T))
      in.fail("variant index " + std::to_string(index) + " out of range (" +
              std::to_string(sizeof...(T)) + " alternatives)");
    using Loader = V (*)(Reader&);
    static constexpr Loader loaders[] = {
        +[](Reader& r) { return V(std::in_place_type<T>, detail::load_value<T>(r)); }...};
    return loaders[index](in);
  }
};

template <class T> struct codec<std::unique_ptr<T>> {
  static_assert(!std::is_array_v<T>, "ppp2p: unique_ptr<T[]> is not codec-able; use a vector");
  static void save(Writer& out, const std::unique_ptr<T>& p) {
    std::uint8_t present = p != nullptr;
    out.write(&present, 1);
    if (p)
      detail::save_value(out, *p);
  }
  static std::unique_ptr<T> load(Reader& in) {
    std::uint8_t present;
    in.read(&present, 1);
    if (present > 1)
      in.fail("unique_ptr flag holds " + std::to_string(present));
    if (!present)
      return nullptr;
    return std::make_unique<T>(detail::load_value<T>(in));
  }
};

/// Each shared_ptr is encoded with its own copy of the pointee: sharing between two
/// shared_ptrs in one snapshot is not preserved.
template <class T> struct codec<std::shared_ptr<T>> {
  static void save(Writer& out, const std::shared_ptr<T>& p) {
    std::uint8_t present = p != nullptr;
    out.write(&present, 1);
    if (p)
      detail::save_value(out, *p);
  }
  static std::shared_ptr<T> load(Reader& in) {
    std::uint8_t present;
    in.read(&present, 1);
    if (present > 1)
      in.fail("shared_ptr flag holds " + std::to_string(present));
    if (!present)
      return nullptr;
    return std::make_shared<T>(detail::load_value<T>(in));
  }
};

/// Encodes `value` into `out`.
template <class T> void encode(Writer& out, const T& value) {
  codec<T>::save(out, value);
}

/// Decodes a T from `in`; throws ppp2p::snapshot_error if the bytes do not decode.
template <class T> T decode(Reader& in) {
  return codec<T>::load(in);
}

namespace detail {

/// The type-erased codec the plugin instantiates for every frame slot of type T.
template <class T> struct slot_codec {
  static void save(const void* object, Writer& out) {
    codec<T>::save(out, *static_cast<const T*>(object));
  }
  static void load(void* storage, Reader& in) { ::new (storage) T(codec<T>::load(in)); }
  static void check(Reader& in) { (void)codec<T>::load(in); }
  static void destroy(void* object) { static_cast<T*>(object)->~T(); }
};

template <class T, std::size_t N> struct slot_codec<T[N]> {
  static void save(const void* object, Writer& out) {
    for (std::size_t i = 0; i < N; ++i)
      slot_codec<T>::save(static_cast<const T*>(object) + i, out);
  }
  static void load(void* storage, Reader& in) {
    T* elements = static_cast<T*>(storage);
    std::size_t built = 0;
    try {
      for (; built < N; ++built)
        slot_codec<T>::load(elements + built, in);
    } catch (...) {
      while (built > 0)
        slot_codec<T>::destroy(elements + --built);
      throw;
    }
  }
  static void check(Reader& in) {
    for (std::size_t i = 0; i < N; ++i)
      slot_codec<T>::check(in);
  }
  static void destroy(void* object) {
    for (std::size_t i = N; i > 0; --i)
      slot_codec<T>::destroy(static_cast<T*>(object) + i - 1);
  }
};

/// A field of a record moved field by field: its type and byte offset.
template <class Type, std::size_t Offset> struct field {};

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
  static void save(const void* object, Writer& out) {
    auto* base = static_cast<const unsigned char*>(object);
    (save_field(out, *reinterpret_cast<const Types*>(base + Offsets)), ...);
  }
  static void load(void* storage, Reader& in) {
    auto* base = static_cast<unsigned char*>(storage);
    std::size_t built = 0;
    void (*destroyers[])(void*) = {&slot_codec<Types>::destroy..., nullptr};
    std::size_t offsets[] = {Offsets..., 0};
    try {
      ((slot_codec<Types>::load(base + Offsets, in), ++built), ...);
    } catch (...) {
      while (built > 0) {
        --built;
        destroyers[built](base + offsets[built]);
      }
      throw;
    }
  }
  static void check(Reader& in) { (slot_codec<Types>::check(in), ...); }
  static void destroy(void* object) { static_cast<Record*>(object)->~Record(); }
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
} // namespace ppp2p
