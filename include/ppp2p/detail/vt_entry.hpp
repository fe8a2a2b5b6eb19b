// The type-erased caller of a spawned function: decodes the arguments, calls the function,
// encodes the result. An executor finds it by its offset in the module (the executable), and
// refuses offsets that are not registered entries.
#pragma once

#include <ppp2p/codec.hpp>
#include <ppp2p/detail/capture_session.hpp>
#include <ppp2p/errors.hpp>

#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

namespace ppp2p::detail {

/// A checkpoint to resume instead of calling the function.
struct ResumeFrom {
  CaptureSession* session;
  const Snapshot* snapshot;
};

using EntryFunction = void (*)(void* function, Reader& args, Writer& result,
                               const ResumeFrom* resume);

/// Registers an entry (at static initialisation); returns true.
bool register_entry(EntryFunction entry) noexcept;
/// True if `entry` was registered in this program.
bool is_registered_entry(EntryFunction entry) noexcept;

/// Offset of `address` from the load address of the program's executable; throws
/// ppp2p::error (spawn_refused) if the address is not in the executable.
std::uint64_t module_offset(const void* address);
/// The address at `offset` in this program's executable.
void* module_address(std::uint64_t offset) noexcept;

template <class R, class... P> struct vt_entry {
  static void run(void* function, Reader& args, Writer& result, const ResumeFrom* resume) {
    if (resume) {
      if constexpr (std::is_void_v<R>) {
        resume_as<R>(*resume->session, *resume->snapshot);
      } else {
        R value = resume_as<R>(*resume->session, *resume->snapshot);
        encode(result, value);
      }
      return;
    }
    // Braced initialisation decodes left to right.
    std::tuple<std::decay_t<P>...> values{decode<std::decay_t<P>>(args)...};
    if (args.remaining() != 0)
      throw error(errc::spawn_refused, "the arguments are longer than the function's parameters");
    auto* typed = reinterpret_cast<R (*)(P...)>(function);
    auto call = [&](auto&... value) -> R { return typed(static_cast<P&&>(value)...); };
    if constexpr (std::is_void_v<R>) {
      std::apply(call, values);
    } else {
      R value = std::apply(call, values);
      encode(result, value);
    }
  }
  inline static const bool registered = register_entry(&run);
};

} // namespace ppp2p::detail
