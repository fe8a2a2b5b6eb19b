// Inside a virtual thread: who am I, and partial results.
#pragma once

#include <ppp2p/codec.hpp>

#include <cstdint>
#include <typeinfo>
#include <vector>

namespace ppp2p {

/// A virtual thread's id: dense per virtual computer, in spawn order (0, 1, 2, ...).
using VtId = std::uint32_t;

/// The id of the virtual thread running on this thread. Throws ppp2p::error (not_in_vt)
/// elsewhere.
VtId self();

namespace detail {
/// Sends an encoded partial result of the VT on this thread (typeid name of its type).
void report_bytes(const char* type, std::vector<std::byte> bytes);
} // namespace detail

/// A partial result of the running virtual thread, delivered in order to the handlers
/// registered with VirtualThread::on_partial<T>. Never lost; never blocks the VT for long.
/// Outside a virtual thread (the function called directly) it does nothing.
template <class T> void report(const T& value) {
  std::vector<std::byte> bytes;
  Writer out(bytes);
  encode(out, value);
  detail::report_bytes(typeid(T).name(), std::move(bytes));
}

} // namespace ppp2p
