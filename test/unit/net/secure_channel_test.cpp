#include <gtest/gtest.h>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/frame.hpp"
#include "ppp2p/net/secure_channel.hpp"

using namespace ppp2p::net;

namespace {

std::array<std::uint8_t, 32> key(std::uint8_t v) {
  std::array<std::uint8_t, 32> k;
  k.fill(v);
  return k;
}

ByteView payload_of(const Bytes& frame) {
  return ByteView(frame).subspan(kFrameHeaderSize);
}

Bytes text(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

} // namespace

TEST(SecureChannel, SealedFramesOpenInOrder) {
  Sealer s(key(1));
  Opener o(key(1));
  for (std::string msg : {"first", "", "third"}) {
    Bytes frame = s.seal(7, text(msg));
    EXPECT_EQ(read_u32le(frame.data()), frame.size() - kFrameHeaderSize);
    auto opened = o.open(payload_of(frame));
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(opened->channel, 7u);
    EXPECT_EQ(std::string(opened->body().begin(), opened->body().end()), msg);
  }
}

TEST(SecureChannel, BodyIsEightByteAligned) {
  Sealer s(key(1));
  Opener o(key(1));
  auto opened = o.open(payload_of(s.seal(1, text("x"))));
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(opened->body().data()) % 8, 0u);
}

TEST(SecureChannel, PlaintextDoesNotAppearOnTheWire) {
  Sealer s(key(1));
  Bytes frame = s.seal(1, text("attack at dawn, attack at dawn"));
  std::string wire(frame.begin(), frame.end());
  EXPECT_EQ(wire.find("attack"), std::string::npos);
}

TEST(SecureChannel, ReplayedFrameIsRejected) {
  Sealer s(key(1));
  Opener o(key(1));
  Bytes f1 = s.seal(1, text("pay 10"));
  ASSERT_TRUE(o.open(payload_of(f1)).ok());
  EXPECT_EQ(o.open(payload_of(f1)).error(), errc::decrypt_failed);
}

TEST(SecureChannel, ReorderedOrDroppedFramesAreRejected) {
  Sealer s(key(1));
  Opener o(key(1));
  Bytes f1 = s.seal(1, text("one"));
  Bytes f2 = s.seal(1, text("two"));
  EXPECT_EQ(o.open(payload_of(f2)).error(), errc::decrypt_failed);
  EXPECT_TRUE(o.open(payload_of(f1)).ok()); // a failure does not advance the counter
  EXPECT_TRUE(o.open(payload_of(f2)).ok());
}

TEST(SecureChannel, EveryTamperedByteIsRejected) {
  Sealer s(key(1));
  Bytes frame = s.seal(3, text("some body"));
  for (std::size_t i = kFrameHeaderSize; i < frame.size(); ++i) {
    Bytes bad = frame;
    bad[i] ^= 0x80;
    Opener o(key(1));
    EXPECT_EQ(o.open(payload_of(bad)).error(), errc::decrypt_failed) << i;
  }
}

TEST(SecureChannel, TruncatedPayloadIsRejected) {
  Sealer s(key(1));
  Bytes frame = s.seal(3, text("some body"));
  for (std::size_t n = 0; n < frame.size() - kFrameHeaderSize; ++n) {
    Opener o(key(1));
    EXPECT_EQ(o.open(payload_of(frame).first(n)).error(), errc::decrypt_failed) << n;
  }
}

TEST(SecureChannel, WrongKeyIsRejected) {
  Sealer s(key(1));
  Opener o(key(2));
  EXPECT_EQ(o.open(payload_of(s.seal(1, text("x")))).error(), errc::decrypt_failed);
}
