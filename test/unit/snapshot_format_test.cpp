// The snapshot envelope (runtime/snapshot_format.cpp) and Snapshot::from_bytes: every kind of
// damaged input is refused with a snapshot_error naming what is wrong.
#include "snapshot_format.hpp"

#include <ppp2p/errors.hpp>
#include <ppp2p/snapshot.hpp>

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>

namespace {

using ppp2p::detail::decode_snapshot;
using ppp2p::detail::encode_snapshot;
using ppp2p::detail::FunctionRef;

std::vector<std::byte> sample() {
  std::vector<std::byte> frames{std::byte{0}, std::byte{1}, std::byte{42},
                                std::byte{0}, std::byte{0}, std::byte{0}};
  std::vector<std::byte> state{std::byte{9}};
  return encode_snapshot("i", {{1234, 5678, "work(int)"}}, 1, frames, state);
}

ppp2p::errc code_of(const std::vector<std::byte>& bytes) {
  try {
    (void)ppp2p::Snapshot::from_bytes(bytes);
  } catch (const ppp2p::snapshot_error& e) {
    return e.code();
  }
  ADD_FAILURE() << "accepted";
  return ppp2p::errc::no_capture_context;
}

TEST(SnapshotFormat, RoundTripsItsFields) {
  std::vector<std::byte> bytes = sample();
  ppp2p::detail::SnapshotContents contents = decode_snapshot(bytes);
  EXPECT_EQ(contents.root_return_type, "i");
  ASSERT_EQ(contents.functions.size(), 1u);
  EXPECT_EQ(contents.functions[0].id, 1234u);
  EXPECT_EQ(contents.functions[0].fingerprint, 5678u);
  EXPECT_EQ(contents.functions[0].name, "work(int)");
  EXPECT_EQ(contents.frame_count, 1u);
  EXPECT_EQ(contents.frames.size(), 6u);
  ASSERT_EQ(contents.runtime_state.size(), 1u);
  EXPECT_EQ(contents.runtime_state[0], std::byte{9});
  EXPECT_EQ(contents.platform, ppp2p::detail::this_platform());
}

TEST(SnapshotFormat, EveryTruncationIsRefused) {
  std::vector<std::byte> bytes = sample();
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    std::vector<std::byte> cut(bytes.begin(), bytes.begin() + std::ptrdiff_t(n));
    ppp2p::errc code = code_of(cut);
    EXPECT_TRUE(code == ppp2p::errc::snapshot_truncated || code == ppp2p::errc::snapshot_foreign)
        << "cut at " << n << ": " << ppp2p::error_name(code);
  }
}

TEST(SnapshotFormat, EveryBitFlipIsRefused) {
  std::vector<std::byte> bytes = sample();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<std::byte> flipped = bytes;
      flipped[i] ^= std::byte(1u << bit);
      EXPECT_THROW((void)ppp2p::Snapshot::from_bytes(flipped), ppp2p::snapshot_error)
          << "byte " << i << " bit " << bit;
    }
  }
}

TEST(SnapshotFormat, NamesWhatIsWrong) {
  std::vector<std::byte> bytes = sample();
  std::vector<std::byte> foreign(bytes.size(), std::byte{'x'});
  EXPECT_EQ(code_of(foreign), ppp2p::errc::snapshot_foreign);

  std::vector<std::byte> version = bytes;
  version[8] = std::byte{99};
  EXPECT_EQ(code_of(version), ppp2p::errc::snapshot_version);

  std::vector<std::byte> corrupted = bytes;
  corrupted[33] ^= std::byte{0x10}; // inside the frame stream
  EXPECT_EQ(code_of(corrupted), ppp2p::errc::snapshot_corrupted);

  std::vector<std::byte> trailing = bytes;
  trailing.push_back(std::byte{0});
  EXPECT_EQ(code_of(trailing), ppp2p::errc::snapshot_malformed);

  try {
    (void)ppp2p::Snapshot::from_bytes(version);
    FAIL();
  } catch (const ppp2p::snapshot_error& e) {
    EXPECT_NE(std::string(e.what()).find("format version 99"), std::string::npos) << e.what();
  }
}

TEST(SnapshotFormat, RandomInputIsRefusedWithoutCrashing) {
  std::mt19937 rng(1);
  for (int round = 0; round < 2000; ++round) {
    std::vector<std::byte> noise(rng() % 300);
    for (auto& b : noise)
      b = std::byte(rng());
    if (round % 2 == 0 && noise.size() >= 8)
      std::memcpy(noise.data(), "PPP2PSNP", 8); // get past the magic
    EXPECT_THROW((void)ppp2p::Snapshot::from_bytes(noise), ppp2p::snapshot_error);
  }
}

TEST(SnapshotFormat, AcceptsUnalignedInput) {
  std::vector<std::byte> bytes = sample();
  std::vector<std::byte> shifted(bytes.size() + 1);
  std::copy(bytes.begin(), bytes.end(), shifted.begin() + 1);
  ppp2p::Snapshot snapshot = ppp2p::Snapshot::from_bytes(std::span(shifted).subspan(1));
  EXPECT_EQ(snapshot.frame_count(), 1u);
  EXPECT_EQ(snapshot.root_function(), "work(int)");
}

TEST(Errors, TableGivesNamesAndMessages) {
  EXPECT_STREQ(ppp2p::error_name(ppp2p::errc::snapshot_truncated), "snapshot_truncated");
  EXPECT_STREQ(ppp2p::error_message(ppp2p::errc::snapshot_corrupted),
               "snapshot is corrupted (checksum mismatch)");
  ppp2p::snapshot_error e(ppp2p::errc::unknown_function, "`f` is missing");
  EXPECT_EQ(e.code(), ppp2p::errc::unknown_function);
  EXPECT_STREQ(e.what(),
               "snapshot refers to a function this program does not contain: `f` is missing");
}

} // namespace
