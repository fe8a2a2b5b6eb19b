#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <vector>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/keys.hpp"
#include "temp_dir.hpp"

using namespace ppp2p::net;
namespace fs = std::filesystem;

namespace {

using ppp2p::testing::TempDir;

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
}

void write_with_mode(const fs::path& p, const std::string& bytes, mode_t mode) {
  fs::remove(p);
  std::ofstream(p, std::ios::binary) << bytes;
  ASSERT_EQ(::chmod(p.c_str(), mode), 0);
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string upper(std::string s) {
  for (char& c : s)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// The names in a directory, sorted.
std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (auto& e : fs::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace

TEST(Identity, CreatedOnceWithOwnerOnlyModeAndReloaded) {
  TempDir dir;
  auto first = Identity::load_or_create(dir.path);
  ASSERT_TRUE(first.ok()) << first.error().message();
  struct stat st {};
  ASSERT_EQ(::stat((dir.path / "identity.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream pub(dir.path / "identity.pub");
  std::string hex;
  pub >> hex;
  EXPECT_EQ(hex, first->public_key.hex());
  auto second = Identity::load_or_create(dir.path);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->public_key, first->public_key);
  EXPECT_EQ(second->secret_key, first->secret_key);
}

TEST(Identity, WrittenWithoutTemporaryFilesLeftAndPublicHalfRestored) {
  TempDir dir;
  write(dir.path / ".identity.key.tmp-a1B2c3", "what a crash left"); // removed
  auto id = Identity::load_or_create(dir.path);
  ASSERT_TRUE(id.ok()) << id.error().message();
  EXPECT_EQ(entries(dir.path), (std::vector<std::string>{"identity.key", "identity.pub"}));
  struct stat st {};
  ASSERT_EQ(::stat((dir.path / "identity.pub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
  // A crash between the two files of a new identity leaves only the secret one.
  fs::remove(dir.path / "identity.pub");
  auto again = Identity::load_or_create(dir.path);
  ASSERT_TRUE(again.ok()) << again.error().message();
  EXPECT_EQ(again->public_key, id->public_key);
  EXPECT_EQ(read_all(dir.path / "identity.pub"), id->public_key.hex() + "\n");
}

TEST(Identity, RefusesASecretOthersCanRead) {
  TempDir dir;
  ASSERT_TRUE(Identity::load_or_create(dir.path).ok());
  ::chmod((dir.path / "identity.key").c_str(), 0644);
  EXPECT_EQ(Identity::load_or_create(dir.path).error(), std::errc::permission_denied);
}

TEST(Identity, RefusesAMalformedSecret) {
  TempDir dir;
  write(dir.path / "identity.key", "not hex\n");
  ::chmod((dir.path / "identity.key").c_str(), 0600);
  EXPECT_EQ(Identity::load_or_create(dir.path).error(), errc::key_malformed);
}

TEST(Identity, RefusesASecretWhosePublicHalfWasAltered) {
  TempDir dir;
  auto id = Identity::load_or_create(dir.path);
  ASSERT_TRUE(id.ok());
  std::string hex;
  std::ifstream(dir.path / "identity.key") >> hex;
  hex[127] = hex[127] == '0' ? '1' : '0'; // last byte of the embedded public key
  fs::remove(dir.path / "identity.key");
  write(dir.path / "identity.key", hex + "\n");
  ::chmod((dir.path / "identity.key").c_str(), 0600);
  EXPECT_EQ(Identity::load_or_create(dir.path).error(), errc::key_mismatch);
}

TEST(ClusterKey, ThirtyTwoBytesOwnerOnlyAreAccepted) {
  TempDir dir;
  write_with_mode(dir.path / "key", std::string(32, '\x7f'), 0600);
  EXPECT_TRUE(ClusterKey::load(dir.path / "key").ok());
  write_with_mode(dir.path / "strict", std::string(32, '\x7f'), 0400);
  EXPECT_TRUE(ClusterKey::load(dir.path / "strict").ok());
}

TEST(ClusterKey, AFileGroupOrOthersCanReadIsRefused) {
  TempDir dir;
  for (mode_t mode : {0640, 0604, 0644, 0660, 0606}) {
    write_with_mode(dir.path / "key", std::string(32, 'k'), mode);
    EXPECT_EQ(ClusterKey::load(dir.path / "key").error(), errc::key_file_too_open)
        << std::oct << mode;
  }
}

TEST(ClusterKey, AnyOtherLengthIsRefused) {
  TempDir dir;
  for (std::size_t n : {0, 1, 31, 33, 63, 64, 65, 100}) {
    write_with_mode(dir.path / "key", std::string(n, 'k'), 0600);
    EXPECT_EQ(ClusterKey::load(dir.path / "key").error(), errc::key_file_wrong_length) << n;
  }
}

TEST(ClusterKey, APassphraseIsRefused) {
  TempDir dir; // what the old rule (any 32 bytes or more) accepted, and README examples used
  write_with_mode(dir.path / "key", "bench cluster key, at least 32 bytes long, not secret", 0600);
  EXPECT_EQ(ClusterKey::load(dir.path / "key").error(), errc::key_file_wrong_length);
  write_with_mode(dir.path / "key40", std::string(40, 'p'), 0600);
  EXPECT_EQ(ClusterKey::load(dir.path / "key40").error(), errc::key_file_wrong_length);
}

TEST(ClusterKey, SixtyFourHexDigitsGiveTheKeyOfTheirBytes) {
  TempDir dir;
  std::string raw, hex;
  for (int i = 0; i < 32; ++i) {
    raw += static_cast<char>(i * 7 + 1);
    char two[3];
    std::snprintf(two, sizeof two, "%02x", static_cast<unsigned char>(raw.back()));
    hex += two;
  }
  write_with_mode(dir.path / "raw", raw, 0600);
  write_with_mode(dir.path / "hex", hex, 0600);
  write_with_mode(dir.path / "hex-newline", hex + "\n", 0600);
  write_with_mode(dir.path / "HEX", upper(hex) + "\n", 0600);
  auto from_raw = ClusterKey::load(dir.path / "raw");
  ASSERT_TRUE(from_raw.ok()) << from_raw.error().message();
  // What agents derived from a 32-byte file before the rule: a cluster upgrades agent by agent.
  EXPECT_EQ(from_raw->bytes, ClusterKey::from_secret(raw).bytes);
  for (const char* name : {"hex", "hex-newline", "HEX"}) {
    auto k = ClusterKey::load(dir.path / name);
    ASSERT_TRUE(k.ok()) << name << ": " << k.error().message();
    EXPECT_EQ(k->bytes, from_raw->bytes) << name;
  }
  write_with_mode(dir.path / "two-newlines", hex + "\n\n", 0600);
  EXPECT_EQ(ClusterKey::load(dir.path / "two-newlines").error(), errc::key_file_wrong_length);
  std::string not_hex = hex;
  not_hex[10] = 'g';
  write_with_mode(dir.path / "not-hex", not_hex, 0600);
  EXPECT_EQ(ClusterKey::load(dir.path / "not-hex").error(), errc::key_file_wrong_length);
}

TEST(ClusterKey, GeneratedFileIsThirtyTwoOwnerOnlyBytesThatLoad) {
  TempDir dir;
  mode_t old_umask = ::umask(0); // the mode must not depend on the caller's umask
  auto r = ClusterKey::generate_file(dir.path / "key");
  ::umask(old_umask);
  ASSERT_TRUE(r.ok()) << r.error().message();
  struct stat st {};
  ASSERT_EQ(::stat((dir.path / "key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  EXPECT_EQ(st.st_size, 32);
  auto a = ClusterKey::load(dir.path / "key");
  ASSERT_TRUE(a.ok()) << a.error().message();
  ASSERT_TRUE(ClusterKey::generate_file(dir.path / "other").ok());
  EXPECT_NE(ClusterKey::load(dir.path / "other")->bytes, a->bytes);
  EXPECT_EQ(entries(dir.path), (std::vector<std::string>{"key", "other"})); // no temp files
}

TEST(ClusterKey, GenerateRefusesToOverwriteAFile) {
  TempDir dir;
  write_with_mode(dir.path / "key", "precious", 0644);
  EXPECT_EQ(ClusterKey::generate_file(dir.path / "key").error(), std::errc::file_exists);
  EXPECT_EQ(read_all(dir.path / "key"), "precious");
  EXPECT_EQ(entries(dir.path), (std::vector<std::string>{"key"}));
  EXPECT_EQ(ClusterKey::generate_file(dir.path / "missing-dir" / "key").error(),
            std::errc::no_such_file_or_directory);
}

TEST(ClusterKey, MissingFileIsAClearError) {
  EXPECT_EQ(ClusterKey::load("/nonexistent/ppp2p/key").error(),
            std::errc::no_such_file_or_directory);
}

TEST(ClusterKey, DifferentSecretsGiveDifferentKeys) {
  EXPECT_NE(ClusterKey::from_secret(std::string(32, 'a')).bytes,
            ClusterKey::from_secret(std::string(32, 'b')).bytes);
  EXPECT_EQ(ClusterKey::from_secret(std::string(32, 'a')).bytes,
            ClusterKey::from_secret(std::string(32, 'a')).bytes);
}

TEST(AllowList, ReadsHexKeysAndSkipsComments) {
  TempDir dir;
  Identity a = Identity::generate(), b = Identity::generate();
  write(dir.path / "allow",
        "# members\n" + a.public_key.hex() + "\n\n  " + b.public_key.hex() + "  # second\n");
  auto keys = load_allow_list(dir.path / "allow");
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->size(), 2u);
  EXPECT_TRUE(keys->contains(a.public_key));
  EXPECT_TRUE(keys->contains(b.public_key));
}

TEST(AllowList, RejectsAMalformedLine) {
  TempDir dir;
  write(dir.path / "allow", "abcd\n");
  EXPECT_EQ(load_allow_list(dir.path / "allow").error(), errc::key_malformed);
}

TEST(PublicKey, HexRoundTrip) {
  Identity a = Identity::generate();
  auto back = PublicKey::from_hex(a.public_key.hex());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, a.public_key);
  EXPECT_EQ(a.public_key.short_hex().size(), 8u);
  EXPECT_FALSE(PublicKey::from_hex(std::string(64, 'g')).ok());
}
