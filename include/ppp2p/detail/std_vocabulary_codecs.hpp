// Codecs of the standard vocabulary types: pair, tuple, optional, variant, unique_ptr and
// shared_ptr.
#pragma once

// codec.hpp includes this file at its end; included first, it brings codec.hpp in before its
// own body.
#include <ppp2p/codec.hpp>
#include <ppp2p/detail/polymorphic_owners.hpp>

#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <variant>

namespace ppp2p {

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

namespace detail {
// Defined in polymorphic_owners.hpp, which may be the header that included this one.
template <class T> void save_owned(Writer& out, const T* object, TrackedOwner owner);
template <class T> Owned<T> load_owned(Reader& in, const char* owner, TrackedOwner holder);
} // namespace detail

/// The object as its class (a class derived from a polymorphic T: polymorphic_owners.hpp).
template <class T> struct codec<std::unique_ptr<T>> {
  static_assert(!std::is_array_v<T>, "ppp2p: unique_ptr<T[]> is not codec-able; use a vector");
  static void save(Writer& out, const std::unique_ptr<T>& p) {
    detail::save_owned(out, p.get(), detail::TrackedOwner::unique);
  }
  static std::unique_ptr<T> load(Reader& in) {
    return std::unique_ptr<T>(
        detail::load_owned<T>(in, "unique_ptr", detail::TrackedOwner::unique).object);
  }
};

/// Shared_ptrs that share an object in one encoding share it after the move (one control
/// block), and raw pointers to it point to it.
template <class T> struct codec<std::shared_ptr<T>> {
  static void save(Writer& out, const std::shared_ptr<T>& p) {
    detail::save_owned(out, p.get(), detail::TrackedOwner::shared);
  }
  static std::shared_ptr<T> load(Reader& in) {
    detail::Owned<T> owned = detail::load_owned<T>(in, "shared_ptr", detail::TrackedOwner::shared);
    detail::TrackedObjects& session = detail::current_tracked_objects();
    if (owned.met_before) {
      if (session.mode == detail::TrackedMode::check)
        return nullptr;
      std::shared_ptr<void>& shared = session.objects[std::size_t(owned.id)].shared;
      if (shared)
        return std::static_pointer_cast<T>(shared);
      // Met before through raw pointers only: this is its first owner.
    }
    if (!owned.object)
      return nullptr;
    std::shared_ptr<T> pointer(owned.object);
    if (session.mode != detail::TrackedMode::check)
      session.objects[std::size_t(owned.id)].shared = pointer;
    return pointer;
  }
};

} // namespace ppp2p
