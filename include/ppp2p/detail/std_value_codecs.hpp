// Codecs of standard value types whose representation is private: std::complex, std::bitset,
// std::chrono::duration and std::chrono::time_point. Each is encoded through its public
// observers, so the encoding does not depend on the library's layout.
#pragma once

// codec.hpp includes this file at its end; included first, it brings codec.hpp in before its
// own body.
#include <ppp2p/codec.hpp>

#include <bitset>
#include <chrono>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <string>

namespace ppp2p {

/// The real part, then the imaginary part.
template <class T> struct codec<std::complex<T>> {
  static void save(Writer& out, const std::complex<T>& z) {
    detail::save_value(out, z.real());
    detail::save_value(out, z.imag());
  }
  static std::complex<T> load(Reader& in) {
    T real = detail::load_value<T>(in);
    T imag = detail::load_value<T>(in);
    return std::complex<T>(real, imag);
  }
};

/// N bits packed into ceil(N / 8) bytes, bit i in byte i / 8 at position i % 8; the unused high
/// bits of the last byte must be zero, so that a damaged byte is noticed.
template <std::size_t N> struct codec<std::bitset<N>> {
  static constexpr std::size_t kBytes = (N + 7) / 8;

  static void save(Writer& out, const std::bitset<N>& bits) {
    std::uint8_t bytes[kBytes == 0 ? 1 : kBytes] = {};
    for (std::size_t i = 0; i < N; ++i)
      if (bits[i])
        bytes[i / 8] |= std::uint8_t(1u << (i % 8));
    out.write(bytes, kBytes);
  }
  static std::bitset<N> load(Reader& in) {
    std::uint8_t bytes[kBytes == 0 ? 1 : kBytes] = {};
    in.read(bytes, kBytes);
    if constexpr (N % 8 != 0)
      if (bytes[kBytes - 1] >> (N % 8))
        in.fail("bitset<" + std::to_string(N) + "> has bits set past its size");
    std::bitset<N> bits;
    for (std::size_t i = 0; i < N; ++i)
      bits[i] = (bytes[i / 8] >> (i % 8)) & 1;
    return bits;
  }
};

/// The tick count (its period is part of the type).
template <class Rep, class Period> struct codec<std::chrono::duration<Rep, Period>> {
  using D = std::chrono::duration<Rep, Period>;
  static void save(Writer& out, const D& d) { detail::save_value(out, d.count()); }
  static D load(Reader& in) { return D(detail::load_value<Rep>(in)); }
};

/// The duration since the clock's epoch. A time point moves as that number: one of a clock
/// whose epoch is per boot (steady_clock) means little on another machine.
template <class Clock, class Duration> struct codec<std::chrono::time_point<Clock, Duration>> {
  using P = std::chrono::time_point<Clock, Duration>;
  static void save(Writer& out, const P& p) { detail::save_value(out, p.time_since_epoch()); }
  static P load(Reader& in) { return P(detail::load_value<Duration>(in)); }
};

} // namespace ppp2p
