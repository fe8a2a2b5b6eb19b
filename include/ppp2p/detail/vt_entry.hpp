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

/// Whether a root may change the argument behind parameter P (a non-const lvalue reference):
/// the capture then keeps the argument's state in the snapshot, and a resume takes it from
/// there; other arguments are as the spawn gave them.
template <class P>
inline constexpr bool changes_argument =
    std::is_lvalue_reference_v<P> && !std::is_const_v<std::remove_reference_t<P>>;

/// The arguments as RootArgument, `Changes` telling which the root may change.
template <bool... Changes, class... T>
std::vector<RootArgument> root_arguments(const T&... objects) {
  static_assert(sizeof...(Changes) == sizeof...(T));
  return {RootArgument{&objects, sizeof(T), &save_root_argument<T>, Changes}...};
}

/// Replaces the arguments the root may change by their state in the snapshot (in order).
template <bool... Changes, class... T>
void reload_changed_arguments(const Snapshot& snapshot, T&... objects) {
  static_assert(sizeof...(Changes) == sizeof...(T));
  if constexpr ((Changes || ...)) {
    std::vector<std::byte> bytes = snapshot_root_arguments(snapshot);
    if (bytes.empty())
      throw snapshot_error(errc::snapshot_malformed,
                           "the snapshot holds no state of the arguments its root takes by "
                           "non-const reference");
    Reader in(bytes);
    (
        [&] {
          if constexpr (Changes)
            objects = decode<T>(in);
        }(),
        ...);
    if (in.remaining() != 0)
      in.fail("the root's arguments in the snapshot are longer than its parameters");
  }
}

/// What a root's signature says about its arguments: whether its frames may point into them
/// (a reference parameter, or the object of a member function) and which it may change.
template <class F> struct root_signature { static constexpr bool by_reference = false; };
template <class R, class... P> struct root_signature<R (*)(P...)> {
  static constexpr bool by_reference = (std::is_reference_v<P> || ...);
  template <class... T> static std::vector<RootArgument> arguments(const T&... objects) {
    return root_arguments<changes_argument<P>...>(objects...);
  }
  template <class... T> static void reload(const Snapshot& snapshot, T&... objects) {
    reload_changed_arguments<changes_argument<P>...>(snapshot, objects...);
  }
};
template <class R, class... P> struct root_signature<R(P...)> : root_signature<R (*)(P...)> {};
template <class R, class C, class... P> struct root_signature<R (C::*)(P...)> {
  static constexpr bool by_reference = true; // `this`
  template <class... T> static std::vector<RootArgument> arguments(const T&... objects) {
    return root_arguments<true, changes_argument<P>...>(objects...);
  }
  template <class... T> static void reload(const Snapshot& snapshot, T&... objects) {
    reload_changed_arguments<true, changes_argument<P>...>(snapshot, objects...);
  }
};
template <class R, class C, class... P> struct root_signature<R (C::*)(P...) const> {
  static constexpr bool by_reference = true;
  template <class... T> static std::vector<RootArgument> arguments(const T&... objects) {
    return root_arguments<false, changes_argument<P>...>(objects...);
  }
  template <class... T> static void reload(const Snapshot& snapshot, T&... objects) {
    reload_changed_arguments<false, changes_argument<P>...>(snapshot, objects...);
  }
};

/// The spawn's arguments, decoded left to right (braced initialisation), exactly all of them.
template <class... T> std::tuple<T...> decode_arguments(Reader& args) {
  std::tuple<T...> values{decode<T>(args)...};
  if (args.remaining() != 0)
    throw error(errc::spawn_refused, "the arguments are longer than the function's parameters");
  return values;
}

/// Declares `values` (a tuple) as the root's arguments, first replacing those the root may
/// change by their state in `resume`'s snapshot.
template <class Signature, class Values>
void hold_root_arguments(Values& values, const Snapshot* resume) {
  std::apply(
      [&](auto&... value) {
        if (resume)
          Signature::reload(*resume, value...);
        set_root_arguments(Signature::arguments(value...));
      },
      values);
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
  /// the capture, and decoded again before a resume (those the root may change, from the
  /// snapshot), where the restored frames find them.
  static constexpr bool kByReference = (std::is_reference_v<P> || ...);

  static void run(void* function, Reader& args, Writer& result, const ResumeFrom* resume) {
    std::optional<Values> values;
    if (!resume || kByReference)
      values.emplace(decode_arguments<std::decay_t<P>...>(args));
    if constexpr (kByReference)
      hold_root_arguments<root_signature<R (*)(P...)>>(*values,
                                                       resume ? resume->snapshot : nullptr);
    auto* typed = reinterpret_cast<R (*)(P...)>(function);
    run_root<R>(resume, result, [&]() -> R {
      return std::apply([&](auto&... value) -> R { return typed(static_cast<P&&>(value)...); },
                        *values);
    });
  }
  inline static const bool registered = register_entry(&run);
};

/// The code a member function pointer calls on `object`, as an Itanium member pointer is {the
/// code address, or 1 + the byte offset of a virtual function's slot in the vtable; the
/// adjustment of `this`}: the function itself, or for a virtual one the final overrider of
/// `object`'s class, read from its vtable. Null for a member reached through an adjustment of
/// `this` (a base's member at a non-zero offset).
template <class Member, class C>
const void* member_function_address(Member member, const C& object) {
  struct Parts {
    std::uintptr_t address;
    std::ptrdiff_t adjustment;
  };
  static_assert(sizeof(Member) == sizeof(Parts), "ppp2p: member pointers of another ABI");
  Parts parts;
  std::memcpy(&parts, &member, sizeof parts);
  if (parts.adjustment != 0)
    return nullptr;
  if ((parts.address & 1) == 0)
    return reinterpret_cast<const void*>(parts.address);
  if constexpr (std::is_polymorphic_v<C>) {
    const std::byte* vtable; // a dynamic class's primary vtable pointer is at its start
    std::memcpy(&vtable, static_cast<const void*>(&object), sizeof vtable);
    const void* code;
    std::memcpy(&code, vtable + (parts.address - 1), sizeof code);
    return code;
  }
  return nullptr;
}

/// Runs `(object.*member)(args...)`: the object (a copy of the one given to spawn) is decoded
/// first among the arguments and is where `this` points, so it moves with the VT like the
/// arguments a root takes by reference (a non-const member's object from the snapshot).
template <class Member, class R, class C, class... P> struct vt_member_entry {
  static void run(void* function, Reader& args, Writer& result, const ResumeFrom* resume) {
    auto values = decode_arguments<C, std::decay_t<P>...>(args);
    hold_root_arguments<root_signature<Member>>(values, resume ? resume->snapshot : nullptr);
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
