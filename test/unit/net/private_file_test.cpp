#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>

#include "ppp2p/net/private_file.hpp"
#include "temp_dir.hpp"

using namespace ppp2p::net;
namespace fs = std::filesystem;

namespace {

using ppp2p::testing::TempDir;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

std::size_t entry_count(const fs::path& dir) {
  return static_cast<std::size_t>(
      std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

} // namespace

TEST(WriteFileAtomically, WritesTheBytesWithTheModeAndNoTemporaryFileLeft) {
  TempDir dir;
  std::string data("a\0b", 3);
  ASSERT_TRUE(write_file_atomically(dir.path / "f", data, 0640).ok());
  EXPECT_EQ(read_all(dir.path / "f"), data);
  EXPECT_EQ(mode_of(dir.path / "f"), 0640u);
  EXPECT_EQ(entry_count(dir.path), 1u);
}

TEST(WriteFileAtomically, ReplacesOnlyWhenAsked) {
  TempDir dir;
  ASSERT_TRUE(write_file_atomically(dir.path / "f", "old", 0600).ok());
  EXPECT_EQ(write_file_atomically(dir.path / "f", "new", 0600).error(), std::errc::file_exists);
  EXPECT_EQ(read_all(dir.path / "f"), "old");
  ASSERT_TRUE(write_file_atomically(dir.path / "f", "new", 0644, IfExists::replace).ok());
  EXPECT_EQ(read_all(dir.path / "f"), "new");
  EXPECT_EQ(mode_of(dir.path / "f"), 0644u);
  EXPECT_EQ(entry_count(dir.path), 1u);
}

TEST(WriteFileAtomically, AFileInTheCurrentDirectoryWorksToo) {
  TempDir dir;
  auto cwd = fs::current_path();
  fs::current_path(dir.path);
  auto r = write_file_atomically("plain-name", "x", 0600);
  fs::current_path(cwd);
  ASSERT_TRUE(r.ok()) << r.error().message();
  EXPECT_EQ(read_all(dir.path / "plain-name"), "x");
}

TEST(WriteFileAtomically, AMissingDirectoryIsAClearError) {
  EXPECT_EQ(write_file_atomically("/nonexistent/ppp2p/f", "x", 0600).error(),
            std::errc::no_such_file_or_directory);
}

TEST(WriteFileAtomically, StaleTemporariesOfAFileAreRemovedAndNothingElse) {
  TempDir dir;
  for (const char* name : {".key.tmp-Ab12Cd", ".pub.tmp-Ab12Cd", ".key.tmp-toolong1", "key"})
    std::ofstream(dir.path / name) << "x";
  remove_stale_temporaries(dir.path / "key");
  EXPECT_FALSE(fs::exists(dir.path / ".key.tmp-Ab12Cd"));
  EXPECT_TRUE(fs::exists(dir.path / ".pub.tmp-Ab12Cd"));
  EXPECT_TRUE(fs::exists(dir.path / ".key.tmp-toolong1"));
  EXPECT_TRUE(fs::exists(dir.path / "key"));
}
