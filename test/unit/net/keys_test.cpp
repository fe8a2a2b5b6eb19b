#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/keys.hpp"

using namespace ppp2p::net;
namespace fs = std::filesystem;

namespace {

struct TempDir {
  fs::path path;
  TempDir() {
    char t[] = "/tmp/ppp2p-keys-XXXXXX";
    path = mkdtemp(t);
  }
  ~TempDir() { fs::remove_all(path); }
};

void write(const fs::path& p, const std::string& text) {
  std::ofstream(p) << text;
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

TEST(ClusterKey, NeedsAtLeast32Bytes) {
  TempDir dir;
  write(dir.path / "short", std::string(31, 'k'));
  EXPECT_EQ(ClusterKey::load(dir.path / "short").error(), errc::key_too_short);
  write(dir.path / "ok", std::string(32, 'k'));
  EXPECT_TRUE(ClusterKey::load(dir.path / "ok").ok());
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
