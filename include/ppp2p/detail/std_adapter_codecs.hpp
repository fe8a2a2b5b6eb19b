// Codecs of the standard container adapters: std::stack, std::queue, std::priority_queue.
// Each is encoded as its underlying container, exactly as it lies, so the order of a stack or a
// queue and the heap layout of a priority_queue are identical after a load (a priority_queue
// rebuilt with push() or make_heap could order equal elements differently, and a resumed run
// must pop them in the same order as an uninterrupted one).
//
// A priority_queue keeps its comparator:
//  - a stateless one (an empty class: std::less, std::greater<>, a lambda without captures) is
//    not encoded and is rebuilt by default construction;
//  - one with state is encoded after the container by its own codec (as raw bytes if it is
//    trivially copyable without pointers, field by field if it is an aggregate, ...);
//  - a function pointer is refused at compile time: its address belongs to this process.
#pragma once

// codec.hpp includes this file at its end; included first, it brings codec.hpp in before its
// own body.
#include <ppp2p/codec.hpp>

#include <queue>
#include <stack>
#include <type_traits>
#include <utility>

namespace ppp2p {
namespace detail {

/// Reaches an adapter's protected members (`c`, and `comp` of a priority_queue) through a
/// derived class: a member pointer formed inside the derived class may be applied to any object
/// of the adapter type. Never instantiated as an object.
template <class Adapter> struct adapter_access : Adapter {
  using Container = typename Adapter::container_type;

  static Container& container(Adapter& adapter) { return adapter.*(&adapter_access::c); }
  static const Container& container(const Adapter& adapter) {
    return adapter.*(&adapter_access::c);
  }
  static const auto& comparator(const Adapter& adapter) { return adapter.*(&adapter_access::comp); }
};

/// A comparator rebuilt by default construction instead of encoded.
template <class Compare>
concept stateless_comparator = std::is_empty_v<Compare> && std::is_default_constructible_v<Compare>;

} // namespace detail

template <class T, class C> struct codec<std::stack<T, C>> {
  using S = std::stack<T, C>;
  static void save(Writer& out, const S& s) {
    detail::save_value(out, detail::adapter_access<S>::container(s));
  }
  static S load(Reader& in) { return S(detail::load_value<C>(in)); }
};

template <class T, class C> struct codec<std::queue<T, C>> {
  using Q = std::queue<T, C>;
  static void save(Writer& out, const Q& q) {
    detail::save_value(out, detail::adapter_access<Q>::container(q));
  }
  static Q load(Reader& in) { return Q(detail::load_value<C>(in)); }
};

template <class T, class C, class Compare> struct codec<std::priority_queue<T, C, Compare>> {
  using Q = std::priority_queue<T, C, Compare>;
  using Access = detail::adapter_access<Q>;
  static_assert(!std::is_pointer_v<Compare> && !std::is_member_pointer_v<Compare>,
                "ppp2p: a std::priority_queue whose comparator is a function pointer cannot move "
                "(the address belongs to this process); use a comparator class such as "
                "std::greater<> or a lambda");

  static void save(Writer& out, const Q& q) {
    detail::save_value(out, Access::container(q));
    if constexpr (!detail::stateless_comparator<Compare>)
      detail::save_value(out, Access::comparator(q));
  }
  static Q load(Reader& in) {
    C container = detail::load_value<C>(in);
    Q q = make_empty(in);
    // Assigned, not passed to the constructor, which would run make_heap over it.
    Access::container(q) = std::move(container);
    return q;
  }

private:
  static Q make_empty(Reader& in) {
    if constexpr (detail::stateless_comparator<Compare>)
      return Q(Compare{});
    else
      return Q(detail::load_value<Compare>(in));
  }
};

} // namespace ppp2p
