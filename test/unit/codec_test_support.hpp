// Helpers of the codec tests: encode, round trip, and the refusal of every truncated encoding.
#pragma once

#include <ppp2p/codec.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <vector>

namespace ppp2p::test {

template <class T> std::vector<std::byte> encoded(const T& value) {
  std::vector<std::byte> bytes;
  ppp2p::Writer out(bytes);
  ppp2p::encode(out, value);
  return bytes;
}

template <class T> T round_trip(const T& value) {
  std::vector<std::byte> bytes = encoded(value);
  ppp2p::Reader in(bytes);
  T back = ppp2p::decode<T>(in);
  EXPECT_EQ(in.remaining(), 0u) << "decoding left bytes unread";
  return back;
}

/// Every strict prefix of a valid encoding must be refused with snapshot_error.
template <class T> void expect_prefixes_refused(const T& value) {
  std::vector<std::byte> bytes = encoded(value);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    ppp2p::Reader in(bytes.data(), n);
    EXPECT_THROW((void)ppp2p::decode<T>(in), ppp2p::snapshot_error)
        << "prefix of " << n << " bytes";
  }
}

} // namespace ppp2p::test
