#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

#include "cluster_key_file.hpp"
#include "ppp2p/net/keys.hpp"
#include "temp_dir.hpp"

using namespace ppp2p::agent;
namespace fs = std::filesystem;

namespace {

using ppp2p::testing::TempDir;

// Why the agent refuses `file`, as it would log it.
std::string refusal(const fs::path& file) {
  auto key = ppp2p::net::ClusterKey::load(file);
  EXPECT_FALSE(key.ok()) << file;
  return key ? "" : explain_refused_key_file(file, key.error());
}

} // namespace

TEST(ClusterKeyFile, KeygenWritesAKeyTheAgentAcceptsAndNeverOverwrites) {
  TempDir dir;
  fs::path file = dir.path / "cluster.key";
  EXPECT_EQ(run_keygen(file), 0);
  auto key = ppp2p::net::ClusterKey::load(file);
  ASSERT_TRUE(key.ok()) << key.error().message();
  EXPECT_EQ(run_keygen(file), 1); // exists: refused, key unchanged
  EXPECT_EQ(ppp2p::net::ClusterKey::load(file)->bytes, key->bytes);
}

TEST(ClusterKeyFile, ARefusalNamesTheFileTheProblemAndKeygen) {
  TempDir dir;
  fs::path open_file = dir.path / "readable.key";
  std::ofstream(open_file, std::ios::binary) << std::string(32, 'k');
  ::chmod(open_file.c_str(), 0644);
  std::string why = refusal(open_file);
  EXPECT_NE(why.find(open_file.string()), std::string::npos) << why;
  EXPECT_NE(why.find("can be read by group or others"), std::string::npos) << why;
  EXPECT_NE(why.find("mode 0644"), std::string::npos) << why;
  EXPECT_NE(why.find("ppp2p-runtime keygen FILE"), std::string::npos) << why;

  fs::path passphrase = dir.path / "passphrase.key";
  std::ofstream(passphrase, std::ios::binary) << std::string(40, 'p');
  ::chmod(passphrase.c_str(), 0600);
  why = refusal(passphrase);
  EXPECT_NE(why.find("exactly 32 bytes"), std::string::npos) << why;
  EXPECT_NE(why.find("it holds 40 bytes"), std::string::npos) << why;
  EXPECT_NE(why.find("ppp2p-runtime keygen FILE"), std::string::npos) << why;

  why = refusal(dir.path / "missing.key");
  EXPECT_NE(why.find("No such file"), std::string::npos) << why;
  EXPECT_NE(why.find("keygen"), std::string::npos) << why;
}
