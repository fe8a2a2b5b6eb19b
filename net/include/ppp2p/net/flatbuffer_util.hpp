// FlatBuffers at the edge of the network: every received buffer goes through verified_root()
// (size limit + identifier + the FlatBuffers verifier) before any field is read.
#pragma once

#include <cstdint>
#include <cstring>
#include <flatbuffers/flatbuffers.h>

#include "ppp2p/net/bytes.hpp"

namespace ppp2p::net {

// Limits for the verifier: our messages are shallow; a hostile buffer must not make the
// verifier walk millions of tables.
inline constexpr unsigned kMaxFlatbufferDepth = 16;
inline constexpr unsigned kMaxFlatbufferTables = 100'000;

// FlatBuffers reads scalars in place, so a buffer must start 8-byte aligned. Returns buf
// itself when it does, or a view of an aligned copy of it kept in storage. (Bytes read from
// a stream sit at any offset; decrypted frames are aligned already.)
inline ByteView aligned(ByteView buf, Bytes& storage) {
  if (reinterpret_cast<std::uintptr_t>(buf.data()) % 8 == 0)
    return buf;
  storage.assign(buf.begin(), buf.end()); // operator new aligns to 16
  return storage;
}

// The root of buf if buf is 8-byte aligned (see aligned()), at most max_size bytes, carries
// identifier and verifies as T; nullptr otherwise.
template <class T>
const T* verified_root(ByteView buf, const char* identifier, std::size_t max_size) {
  if (reinterpret_cast<std::uintptr_t>(buf.data()) % 8 != 0)
    return nullptr;
  if (buf.size() > max_size || buf.size() < sizeof(flatbuffers::uoffset_t) ||
      buf.size() > FLATBUFFERS_MAX_BUFFER_SIZE)
    return nullptr;
  flatbuffers::Verifier verifier(buf.data(), buf.size(), kMaxFlatbufferDepth, kMaxFlatbufferTables);
  if (!verifier.VerifyBuffer<T>(identifier))
    return nullptr;
  return flatbuffers::GetRoot<T>(buf.data());
}

inline Bytes to_bytes(const flatbuffers::FlatBufferBuilder& fbb) {
  return Bytes(fbb.GetBufferPointer(), fbb.GetBufferPointer() + fbb.GetSize());
}

inline ByteView view_of(const flatbuffers::FlatBufferBuilder& fbb) {
  return {fbb.GetBufferPointer(), fbb.GetSize()};
}

} // namespace ppp2p::net
