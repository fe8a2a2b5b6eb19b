// Result<T>: a value or a std::error_code. The network core reports failures this way rather
// than by exceptions: a refused connection or a bad frame is an ordinary event, not a crash.
#pragma once

#include <cassert>
#include <system_error>
#include <utility>
#include <variant>

namespace ppp2p::net {

template <class T> class [[nodiscard]] Result {
public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(std::error_code ec) : v_(std::in_place_index<1>, ec) { assert(ec); }
  template <class E>
  requires std::is_error_code_enum_v<E> Result(E e) : Result(std::error_code(e)) {}

  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }

  // The error, or an empty error_code when this holds a value.
  std::error_code error() const noexcept { return ok() ? std::error_code{} : std::get<1>(v_); }

private:
  std::variant<T, std::error_code> v_;
};

template <> class [[nodiscard]] Result<void> {
public:
  Result() = default;
  Result(std::error_code ec) : ec_(ec) {}
  template <class E>
  requires std::is_error_code_enum_v<E> Result(E e) : ec_(e) {}

  bool ok() const noexcept { return !ec_; }
  explicit operator bool() const noexcept { return ok(); }
  std::error_code error() const noexcept { return ec_; }

private:
  std::error_code ec_;
};

} // namespace ppp2p::net
