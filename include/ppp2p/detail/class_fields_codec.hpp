// Classes moved field by field wherever a codec is needed (container elements, arguments,
// results, messages), not only as frame slots: a class with private state, no serialize()
// member and perhaps no default constructor. C++ cannot take such a class apart, but the ppp2p
// plugin can: it defines class_fields_codec<T>() for every T the codecs ask for, from T's
// layout (its fields and bases, private ones included), once the translation unit is complete.
// Compiled without the plugin, codec.hpp names the type in a static_assert instead.
#pragma once

#include <ppp2p/detail/byte_io.hpp>

namespace ppp2p::detail {

/// The type-erased functions of a class's field-by-field codec (a fieldwise_codec's): load
/// constructs each field in place in raw storage; destroy_fields destroys them again (no
/// constructor of the class ran there, so its destructor does not run either).
struct class_codec_table {
  void (*save)(const void* object, Writer& out);
  void (*load)(void* storage, Reader& in);
  void (*destroy_fields)(void* object);
};

template <class Codec> struct class_codec_table_of {
  static constexpr class_codec_table value{&Codec::save, &Codec::load, &Codec::destroy_fields};
};

#ifdef __PPP2P_PLUGIN__
// Declared here, defined by the plugin for each T it is instantiated with (an error naming the
// field if T cannot move field by field). Clang checks for used-but-undefined functions before
// the plugin defines them: for a T with internal linkage (a class in an unnamed namespace) it
// would warn.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wundefined-internal"
#pragma clang diagnostic ignored "-Wundefined-func-template"
template <class T> const class_codec_table& class_fields_codec();
#pragma clang diagnostic pop
#endif

} // namespace ppp2p::detail
