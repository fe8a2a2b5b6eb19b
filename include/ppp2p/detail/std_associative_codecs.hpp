// Codecs of the standard associative containers, with their default comparators, hashers
// (ordered or unordered, unique or multi).
#pragma once

// codec.hpp includes this file at its end; included first, it brings codec.hpp in before its
// own body.
#include <ppp2p/codec.hpp>

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace ppp2p {

namespace detail {

// Each element of an ordered container is a heap region (its node: element_region), in order.
template <class C> void save_map(Writer& out, const C& container) {
  out.varint(container.size());
  for (auto at = container.begin(); at != container.end(); ++at) {
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
    std::size_t region = begin_heap_region();
    Key key = load_value<Key>(in);
    Mapped mapped = load_value<Mapped>(in);
    auto at = container.emplace_hint(container.end(), std::move(key), std::move(mapped));
    set_element_region(region, at);
  }
  return container;
}

template <class C> void save_set(Writer& out, const C& container) {
  save_sequence_of_regions(out, container, container.size());
}

template <class C> C load_set(Reader& in) {
  using Key = typename C::key_type;
  C container;
  std::size_t n = in.count(min_encoded_size<Key>());
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t region = begin_heap_region();
    auto at = container.emplace_hint(container.end(), load_value<Key>(in));
    set_element_region(region, at);
  }
  return container;
}

// An unordered container keeps its order of iteration across a move, so that a range-for loop
// over it resumes where it was and an iterator or a reference into it finds its element
// (each element's node is a heap region, as in ordered containers). It is written as its
// bucket count, its maximum load factor and its runs of equivalent elements (one element each
// in a unique container) in reverse order of iteration, each run in order. Inserted in that
// order into as many buckets, a run's first element goes to the front of its bucket's run (or
// of the whole list, in an empty bucket), and the others after it (emplace_hint), so the runs
// and the buckets come out as they were (libstdc++'s _M_insert_bucket_begin and
// _M_insert_multi_node). The load checks the order it got: a hash that gives other values in
// this process (one of the user's, seeded per process) fails the decode.
inline constexpr std::uint64_t kMaxRestoredBuckets = std::uint64_t(1) << 24;

template <class C> const typename C::key_type& key_of(const typename C::value_type& element) {
  if constexpr (requires { typename C::mapped_type; })
    return element.first;
  else
    return element;
}

template <class C> inline constexpr bool is_multi = !requires(C c, typename C::value_type v) {
  c.insert(v).second;
};

template <class C> void save_unordered(Writer& out, const C& container, auto&& save_element) {
  std::vector<typename C::const_iterator> order;
  order.reserve(container.size());
  for (auto at = container.begin(); at != container.end(); ++at)
    order.push_back(at);
  out.varint(container.size());
  out.varint(container.bucket_count());
  save_value(out, container.max_load_factor());
  auto equivalent = [&](std::size_t a, std::size_t b) {
    return is_multi<C> && container.key_eq()(key_of<C>(*order[a]), key_of<C>(*order[b]));
  };
  for (std::size_t end = order.size(); end > 0;) {
    std::size_t begin = end - 1;
    while (begin > 0 && equivalent(begin - 1, end - 1))
      --begin;
    for (std::size_t i = begin; i < end; ++i) {
      note_element_region(order[i]);
      save_element(*order[i]);
    }
    end = begin;
  }
}

/// `emplace(container, hint)` decodes the next element and inserts it: after `hint` if it is
/// equivalent to it (the same run), else as the first of its run.
template <class C> C load_unordered(Reader& in, std::size_t min_element_size, auto&& emplace) {
  C container;
  std::size_t n = in.count(min_element_size);
  std::uint64_t buckets = in.varint();
  float load_factor = load_value<float>(in);
  if (!(load_factor > 0) || !(load_factor <= 1e6f))
    in.fail("unordered container with maximum load factor " + std::to_string(load_factor));
  if (n == 0) {
    container.max_load_factor(load_factor);
    return container;
  }
  if (buckets == 0 || buckets > std::max<std::uint64_t>(kMaxRestoredBuckets, 64 * n))
    in.fail("unordered container of " + std::to_string(n) + " elements in " +
            std::to_string(buckets) + " buckets");
  // Room for every element in these buckets: no rehash while inserting.
  container.max_load_factor(std::max(load_factor, float(double(n) / double(buckets)) * 2 + 1));
  container.rehash(std::size_t(buckets));
  std::vector<typename C::iterator> inserted;
  std::vector<std::size_t> run_starts;
  inserted.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t region = begin_heap_region();
    auto at = emplace(container, i == 0 ? container.end() : inserted.back());
    if (i == 0 || !is_multi<C> || !container.key_eq()(key_of<C>(*inserted.back()), key_of<C>(*at)))
      run_starts.push_back(i);
    set_element_region(region, at);
    inserted.push_back(at);
  }
  container.max_load_factor(load_factor);
  bool same = container.bucket_count() == buckets;
  auto at = container.begin();
  for (std::size_t end = n, run = run_starts.size(); same && run > 0; end = run_starts[--run])
    for (std::size_t i = run_starts[run - 1]; same && i < end; ++i, ++at)
      same = at == inserted[i];
  if (!same)
    in.fail("an unordered container's order of iteration could not be restored: its hash "
            "gives other values in this process, or its buckets differ (" +
            std::to_string(container.bucket_count()) + " for " + std::to_string(buckets) + ")");
  return container;
}

/// Inserts the element `args` make, whose key is `key` (see load_unordered); a unique container
/// refuses a key twice.
template <class C, class... Args>
typename C::iterator emplace_unordered(Reader& in, C& container, typename C::iterator hint,
                                       const typename C::key_type& key, Args&&... args) {
  if constexpr (is_multi<C>) {
    if (hint != container.end() && container.key_eq()(key_of<C>(*hint), key))
      return container.emplace_hint(hint, std::forward<Args>(args)...);
    return container.emplace(std::forward<Args>(args)...);
  } else {
    auto [at, fresh] = container.emplace(std::forward<Args>(args)...);
    if (!fresh)
      in.fail("an unordered container holds one key twice");
    return at;
  }
}

template <class C> void save_unordered_map(Writer& out, const C& container) {
  save_unordered(out, container, [&](const auto& element) {
    save_value(out, element.first);
    save_value(out, element.second);
  });
}

template <class C> C load_unordered_map(Reader& in) {
  using Key = typename C::key_type;
  using Mapped = typename C::mapped_type;
  return load_unordered<C>(in, 2, [&](C& container, typename C::iterator hint) {
    Key key = load_value<Key>(in);
    Mapped mapped = load_value<Mapped>(in);
    return emplace_unordered(in, container, hint, key, std::move(key), std::move(mapped));
  });
}

template <class C> void save_unordered_set(Writer& out, const C& container) {
  save_unordered(out, container, [&](const auto& element) { save_value(out, element); });
}

template <class C> C load_unordered_set(Reader& in) {
  using Key = typename C::key_type;
  return load_unordered<C>(in, min_encoded_size<Key>(),
                           [&](C& container, typename C::iterator hint) {
                             Key key = load_value<Key>(in);
                             return emplace_unordered(in, container, hint, key, std::move(key));
                           });
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
  static void save(Writer& out, const M& m) { detail::save_unordered_map(out, m); }
  static M load(Reader& in) { return detail::load_unordered_map<M>(in); }
};

template <class K, class V, class A>
struct codec<std::unordered_multimap<K, V, std::hash<K>, std::equal_to<K>, A>> {
  using M = std::unordered_multimap<K, V, std::hash<K>, std::equal_to<K>, A>;
  static void save(Writer& out, const M& m) { detail::save_unordered_map(out, m); }
  static M load(Reader& in) { return detail::load_unordered_map<M>(in); }
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
  static void save(Writer& out, const S& s) { detail::save_unordered_set(out, s); }
  static S load(Reader& in) { return detail::load_unordered_set<S>(in); }
};

template <class K, class A>
struct codec<std::unordered_multiset<K, std::hash<K>, std::equal_to<K>, A>> {
  using S = std::unordered_multiset<K, std::hash<K>, std::equal_to<K>, A>;
  static void save(Writer& out, const S& s) { detail::save_unordered_set(out, s); }
  static S load(Reader& in) { return detail::load_unordered_set<S>(in); }
};

} // namespace ppp2p
