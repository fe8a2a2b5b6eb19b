// The type-erased caller of a spawned function: decodes the arguments, calls the function,
// encodes the result. An executor finds it by its offset in the module (the executable), and
// refuses offsets that are not registered entries.
#pragma once

#include <ppp2p/codec.hpp>
#include <ppp2p/detail/capture_session.hpp>
#include <ppp2p/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

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

template <class T> void save_root_argument(const void* object, Writer& out) {
  encode(out, *static_cast<const T*>(object));
}

template <class Tuple, std::size_t... I>
std::vector<RootArgument> root_arguments(const Tuple& values, std::index_sequence<I...>) {
  return {RootArgument{&std::get<I>(values), sizeof(std::tuple_element_t<I, Tuple>),
                       &save_root_argument<std::tuple_element_t<I, Tuple>>}...};
}

/// The spawn's arguments, decoded left to right (braced initialisation), exactly all of them.
template <class... T> std::tuple<T...> decode_arguments(Reader& args) {
  std::tuple<T...> values{decode<T>(args)...};
  if (args.remaining() != 0)
    throw error(errc::spawn_refused, "the arguments are longer than the function's parameters");
  return values;
}

/// Resumes the root from the snapshot, or runs it by `call`, and encodes its result.
template <class R, class Call> void run_root(const ResumeFrom* resume, Writer& result, Call call) {
  if constexpr (std::is_void_v<R>) {
    if (resume)
      resume_as<R>(*resume->session, *resume->snapshot);
    else
      call();
  } else {
    R value = resume ? resume_as<R>(*resume->session, *resume->snapshot) : call();
    encode(result, value);
  }
}

template <class R, class... P> struct vt_entry {
  using Values = std::tuple<std::decay_t<P>...>;
  /// Reference parameters of the root point into the arguments this entry holds: declared to
  /// the capture, and decoded again before a resume, where the restored frames find them.
  static constexpr bool kByReference = (std::is_reference_v<P> || ...);

  static void run(void* function, Reader& args, Writer& result, const ResumeFrom* resume) {
    std::optional<Values> values;
    if (!resume || kByReference)
      values.emplace(decode_arguments<std::decay_t<P>...>(args));
    if constexpr (kByReference)
      set_root_arguments(root_arguments(*values, std::index_sequence_for<P...>{}));
    auto* typed = reinterpret_cast<R (*)(P...)>(function);
    run_root<R>(resume, result, [&]() -> R {
      return std::apply([&](auto&... value) -> R { return typed(static_cast<P&&>(value)...); },
                        *values);
    });
  }
  inline static const bool registered = register_entry(&run);
};

/// A non-static, non-virtual member function's address as an Itanium member pointer (its code
/// address and a zero adjustment of `this`), or null for one that is not such (a virtual
/// member, or a base's member reached through an adjustment).
template <class Member> const void* member_function_address(Member member) {
  struct Parts {
    std::uintptr_t address;
    std::ptrdiff_t adjustment;
  };
  static_assert(sizeof(Member) == sizeof(Parts), "ppp2p: member pointers of another ABI");
  Parts parts;
  std::memcpy(&parts, &member, sizeof parts);
  if (parts.adjustment != 0 || (parts.address & 1) != 0) // odd: a vtable offset
    return nullptr;
  return reinterpret_cast<const void*>(parts.address);
}

/// Runs `(object.*member)(args...)`: the object (a copy of the one given to spawn) is decoded
/// first among the arguments and is where `this` points, so it moves with the VT like the
/// arguments a root takes by reference.
template <class Member, class R, class C, class... P> struct vt_member_entry {
  static void run(void* function, Reader& args, Writer& result, const ResumeFrom* resume) {
    auto values = decode_arguments<C, std::decay_t<P>...>(args);
    set_root_arguments(root_arguments(values, std::index_sequence_for<C, P...>{}));
    struct Parts {
      void* address;
      std::ptrdiff_t adjustment;
    } parts{function, 0};
    Member member;
    std::memcpy(&member, &parts, sizeof member);
    run_root<R>(resume, result, [&]() -> R {
      return std::apply(
          [&](C& object, auto&... value) -> R {
            return (object.*member)(static_cast<P&&>(value)...);
          },
          values);
    });
  }
  inline static const bool registered = register_entry(&run);
};

} // namespace ppp2p::detail
