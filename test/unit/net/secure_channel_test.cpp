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

class SecureChannel : public ::testing::TestWithParam<Cipher> {
protected:
  void SetUp() override {
    if (!(supported_ciphers() & cipher_bit(GetParam())))
      GTEST_SKIP() << cipher_name(GetParam()) << " needs hardware this machine lacks";
  }
  Sealer sealer(std::uint8_t k) { return Sealer(key(k), GetParam()); }
  Opener opener(std::uint8_t k) { return Opener(key(k), GetParam()); }
};

} // namespace

INSTANTIATE_TEST_SUITE_P(Ciphers, SecureChannel,
                         ::testing::Values(Cipher::chacha20_poly1305, Cipher::aes256_gcm),
                         [](const auto& info) {
                           return std::string(
                               info.param == Cipher::aes256_gcm ? "Aes256Gcm" : "ChaCha20Poly1305");
                         });

TEST_P(SecureChannel, SealedFramesOpenInOrder) {
  Sealer s = sealer(1);
  Opener o = opener(1);
  for (std::string msg : {"first", "", "third"}) {
    Bytes frame = s.seal(7, text(msg));
    EXPECT_EQ(read_u32le(frame.data()), frame.size() - kFrameHeaderSize);
    auto opened = o.open(payload_of(frame));
    ASSERT_TRUE(opened.ok());
    EXPECT_EQ(opened->channel, 7u);
    EXPECT_EQ(std::string(opened->body().begin(), opened->body().end()), msg);
  }
}

TEST_P(SecureChannel, BodyIsEightByteAligned) {
  Sealer s = sealer(1);
  Opener o = opener(1);
  auto opened = o.open(payload_of(s.seal(1, text("x"))));
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(opened->body().data()) % 8, 0u);
}

TEST_P(SecureChannel, PlaintextDoesNotAppearOnTheWire) {
  Sealer s = sealer(1);
  Bytes frame = s.seal(1, text("attack at dawn, attack at dawn"));
  std::string wire(frame.begin(), frame.end());
  EXPECT_EQ(wire.find("attack"), std::string::npos);
}

TEST_P(SecureChannel, ReplayedFrameIsRejected) {
  Sealer s = sealer(1);
  Opener o = opener(1);
  Bytes f1 = s.seal(1, text("pay 10"));
  ASSERT_TRUE(o.open(payload_of(f1)).ok());
  EXPECT_EQ(o.open(payload_of(f1)).error(), errc::decrypt_failed);
}

TEST_P(SecureChannel, ReorderedOrDroppedFramesAreRejected) {
  Sealer s = sealer(1);
  Opener o = opener(1);
  Bytes f1 = s.seal(1, text("one"));
  Bytes f2 = s.seal(1, text("two"));
  EXPECT_EQ(o.open(payload_of(f2)).error(), errc::decrypt_failed);
  EXPECT_TRUE(o.open(payload_of(f1)).ok()); // a failure does not advance the counter
  EXPECT_TRUE(o.open(payload_of(f2)).ok());
}

TEST_P(SecureChannel, EveryTamperedByteIsRejected) {
  Sealer s = sealer(1);
  Bytes frame = s.seal(3, text("some body"));
  for (std::size_t i = kFrameHeaderSize; i < frame.size(); ++i) {
    Bytes bad = frame;
    bad[i] ^= 0x80;
    Opener o = opener(1);
    EXPECT_EQ(o.open(payload_of(bad)).error(), errc::decrypt_failed) << i;
  }
}

TEST_P(SecureChannel, TruncatedPayloadIsRejected) {
  Sealer s = sealer(1);
  Bytes frame = s.seal(3, text("some body"));
  for (std::size_t n = 0; n < frame.size() - kFrameHeaderSize; ++n) {
    Opener o = opener(1);
    EXPECT_EQ(o.open(payload_of(frame).first(n)).error(), errc::decrypt_failed) << n;
  }
}

TEST_P(SecureChannel, WrongKeyIsRejected) {
  Sealer s = sealer(1);
  Opener o = opener(2);
  EXPECT_EQ(o.open(payload_of(s.seal(1, text("x")))).error(), errc::decrypt_failed);
}

TEST(SecureChannelCiphers, TheTwoCiphersDoNotOpenEachOthersFrames) {
  if (!(supported_ciphers() & cipher_bit(Cipher::aes256_gcm)))
    GTEST_SKIP() << "no AES-256-GCM here";
  Sealer s(key(1), Cipher::aes256_gcm);
  Opener o(key(1), Cipher::chacha20_poly1305);
  EXPECT_EQ(o.open(payload_of(s.seal(1, text("x")))).error(), errc::decrypt_failed);
}

TEST(SecureChannelCiphers, ChaChaIsAlwaysSupported) {
  EXPECT_TRUE(supported_ciphers() & cipher_bit(Cipher::chacha20_poly1305));
}
