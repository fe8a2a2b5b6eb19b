// Codecs of the standard associative containers, with their default comparators, hashers
// (ordered or unordered, unique or multi).
#pragma once

// codec.hpp includes this file at its end; included first, it brings codec.hpp in before its
// own body.
#include <ppp2p/codec.hpp>

#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ppp2p {

namespace detail {

template <class C> inline constexpr bool is_ordered = requires {
  typename C::key_compare;
};

// Each element of an ordered container is a heap region (its node: element_region), in order;
// not those of unordered ones, whose order a move does not keep.
template <class C> void save_map(Writer& out, const C& container) {
  out.varint(container.size());
  for (auto at = container.begin(); at != container.end(); ++at) {
    if constexpr (is_ordered<C>)
      note_element_region(at);
    save_value(out, at->first);
    save_value(out, at->second);
  }
}

template <class C> C load_map(Reader& in) {
  using Key = typename C::key_type;
  using Mapped = typename C::mapped_type;
  C container;
  std::size_t n = in.count(2);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t region = is_ordered<C> ? begin_heap_region() : kNoHeapRegion;
    Key key = load_value<Key>(in);
    Mapped mapped = load_value<Mapped>(in);
    auto at = container.emplace_hint(container.end(), std::move(key), std::move(mapped));
    set_element_region(region, at);
  }
  return container;
}

template <class C> void save_set(Writer& out, const C& container) {
  if constexpr (is_ordered<C>)
    save_sequence_of_regions(out, container, container.size());
  else
    save_sequence(out, container, container.size());
}

template <class C> C load_set(Reader& in) {
  using Key = typename C::key_type;
  C container;
  std::size_t n = in.count(min_encoded_size<Key>());
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t region = is_ordered<C> ? begin_heap_region() : kNoHeapRegion;
    auto at = container.emplace_hint(container.end(), load_value<Key>(in));
    set_element_region(region, at);
  }
  return container;
}

} // namespace detail

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
  static void save(Writer& out, const S& s) { detail::save_set(out, s); }
  static S load(Reader& in) { return detail::load_set<S>(in); }
};

template <class K, class A> struct codec<std::multiset<K, std::less<K>, A>> {
  using S = std::multiset<K, std::less<K>, A>;
  static void save(Writer& out, const S& s) { detail::save_set(out, s); }
  static S load(Reader& in) { return detail::load_set<S>(in); }
};

template <class K, class A> struct codec<std::unordered_set<K, std::hash<K>, std::equal_to<K>, A>> {
  using S = std::unordered_set<K, std::hash<K>, std::equal_to<K>, A>;
  static void save(Writer& out, const S& s) { detail::save_set(out, s); }
  static S load(Reader& in) { return detail::load_set<S>(in); }
};

template <class K, class A>
struct codec<std::unordered_multiset<K, std::hash<K>, std::equal_to<K>, A>> {
  using S = std::unordered_multiset<K, std::hash<K>, std::equal_to<K>, A>;
  static void save(Writer& out, const S& s) { detail::save_set(out, s); }
  static S load(Reader& in) { return detail::load_set<S>(in); }
};

} // namespace ppp2p
