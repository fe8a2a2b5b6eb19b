// Codecs of std::string and the standard sequences (vector, vector<bool>, array, deque, list,
// forward_list, valarray), and the refusal of views into this process's memory.
#pragma once

// codec.hpp includes this file at its end; included first, it brings codec.hpp in before its
// own body.
#include <ppp2p/codec.hpp>

#include <array>
#include <cstddef>
#include <deque>
#include <forward_list>
#include <iterator>
#include <list>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <valarray>
#include <vector>

namespace ppp2p {

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
  // Characters beyond libstdc++'s small-string buffer (inside the object) are on the heap, on
  // both sides of a move: a heap region, the terminator included.
  static constexpr std::size_t kInline = 15 / sizeof(C);
  static void save(Writer& out, const S& s) {
    if (s.size() > kInline)
      detail::note_heap_region(s.data(), (s.size() + 1) * sizeof(C));
    out.varint(s.size());
    out.write(s.data(), s.size() * sizeof(C));
  }
  static S load(Reader& in) {
    S s;
    s.resize(in.count(sizeof(C)));
    if (s.size() > kInline)
      detail::note_heap_region(s.data(), (s.size() + 1) * sizeof(C));
    in.read(s.data(), s.size() * sizeof(C));
    return s;
  }
};

template <class T, class A> struct codec<std::vector<T, A>> {
  static void save(Writer& out, const std::vector<T, A>& v) {
    detail::note_heap_region(v.data(), v.size() * sizeof(T));
    if constexpr (detail::bulk_bytes<T>) {
      out.varint(v.size());
      out.write(v.data(), v.size() * sizeof(T));
    } else {
      detail::save_sequence(out, v, v.size());
    }
  }
  static std::vector<T, A> load(Reader& in) {
    std::vector<T, A> v;
    std::size_t n = in.count(detail::min_encoded_size<T>());
    // Bulk bytes need a default constructor to resize into; without one (a class with only a
    // constructor taking arguments) the same bytes are read element by element.
    if constexpr (detail::bulk_bytes<T> && std::is_default_constructible_v<T>) {
      v.resize(n);
      detail::note_heap_region(v.data(), n * sizeof(T));
      in.read(v.data(), n * sizeof(T));
    } else {
      v.reserve(n); // elements are built where they stay
      detail::note_heap_region(v.data(), n * sizeof(T));
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
    if constexpr (detail::bulk_bytes<T>)
      out.write(a.data(), sizeof(T) * N);
    else
      for (const auto& element : a)
        detail::save_value(out, element);
  }
  // A loop, not a pack expansion over N: an array of 2^20 bytes must not instantiate 2^20
  // initialisers (the compiler took minutes and gigabytes for that).
  static std::array<T, N> load(Reader& in) {
    if constexpr (detail::bulk_bytes<T> && std::is_trivially_default_constructible_v<T>) {
      std::array<T, N> a;
      in.read(a.data(), sizeof(T) * N);
      return a;
    } else if constexpr (std::is_default_constructible_v<T> && std::is_move_assignable_v<T>) {
      std::array<T, N> a{};
      for (T& element : a)
        element = detail::load_value<T>(in);
      return a;
    } else {
      return [&]<std::size_t... I>(std::index_sequence<I...>) {
        return std::array<T, N>{((void)I, detail::load_value<T>(in))...};
      }
      (std::make_index_sequence<N>{});
    }
  }
};

namespace detail {

/// Appends each element where it stays (deque and list elements never move once there),
/// reporting it as the heap region save_sequence_of_regions reported.
template <class C> C load_sequence_of_regions(Reader& in) {
  using T = typename C::value_type;
  C c;
  std::size_t n = in.count(min_encoded_size<T>());
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t region = begin_heap_region();
    c.push_back(load_value<T>(in));
    set_element_region(region, std::prev(c.end()));
  }
  return c;
}

} // namespace detail

template <class T, class A> struct codec<std::deque<T, A>> {
  static void save(Writer& out, const std::deque<T, A>& d) {
    detail::save_sequence_of_regions(out, d, d.size());
  }
  static std::deque<T, A> load(Reader& in) {
    return detail::load_sequence_of_regions<std::deque<T, A>>(in);
  }
};

template <class T, class A> struct codec<std::list<T, A>> {
  static void save(Writer& out, const std::list<T, A>& l) {
    detail::save_sequence_of_regions(out, l, l.size());
  }
  static std::list<T, A> load(Reader& in) {
    return detail::load_sequence_of_regions<std::list<T, A>>(in);
  }
};

template <class T, class A> struct codec<std::forward_list<T, A>> {
  static void save(Writer& out, const std::forward_list<T, A>& l) {
    detail::save_sequence_of_regions(out, l, std::size_t(std::distance(l.begin(), l.end())));
  }
  static std::forward_list<T, A> load(Reader& in) {
    std::forward_list<T, A> l;
    std::size_t n = in.count(detail::min_encoded_size<T>());
    auto tail = l.before_begin();
    for (std::size_t i = 0; i < n; ++i) {
      std::size_t region = detail::begin_heap_region();
      tail = l.insert_after(tail, detail::load_value<T>(in));
      detail::set_element_region(region, tail);
    }
    return l;
  }
};

/// Elements in order; raw elements in bulk. Loading default-constructs the elements first, as
/// std::valarray(n) does.
template <class T> struct codec<std::valarray<T>> {
  static void save(Writer& out, const std::valarray<T>& v) {
    detail::note_heap_region(v.size() ? std::begin(v) : nullptr, v.size() * sizeof(T));
    out.varint(v.size());
    if constexpr (detail::bulk_bytes<T>) {
      if (v.size() != 0)
        out.write(std::begin(v), v.size() * sizeof(T));
    } else {
      for (const T& element : v)
        detail::save_value(out, element);
    }
  }
  static std::valarray<T> load(Reader& in) {
    std::size_t n = in.count(detail::min_encoded_size<T>());
    std::valarray<T> v(n);
    detail::note_heap_region(n ? std::begin(v) : nullptr, n * sizeof(T));
    if constexpr (detail::bulk_bytes<T>) {
      if (n != 0)
        in.read(std::begin(v), n * sizeof(T));
    } else {
      for (std::size_t i = 0; i < n; ++i)
        v[i] = detail::load_value<T>(in);
    }
    return v;
  }
};

} // namespace ppp2p
