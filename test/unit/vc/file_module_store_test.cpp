// The module cache in a data dir: local files hashed and copied once, received modules checked
// against their hash before they are kept, leftovers of a killed agent removed.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "file_module_store.hpp"
#include "ppp2p/net/loop.hpp"
#include "ppp2p/net/sync_wait.hpp"
#include "sha256.hpp"
#include "temp_dir.hpp"

using namespace ppp2p::agent::vc;
namespace fs = std::filesystem;

namespace {

using ppp2p::testing::TempDir;

ppp2p::net::Bytes bytes(std::size_t n, std::uint8_t seed) {
  ppp2p::net::Bytes b(n);
  for (std::size_t i = 0; i < n; ++i)
    b[i] = static_cast<std::uint8_t>(seed + i * 13);
  return b;
}

void write_file(const fs::path& p, const ppp2p::net::Bytes& b) {
  std::ofstream(p, std::ios::binary)
      .write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

} // namespace

TEST(FileModuleStore, AddsALocalFileOnceAndFindsItByHash) {
  TempDir dir;
  std::string error;
  auto store = FileModuleStore::open(dir.path, error);
  ASSERT_TRUE(store) << error;
  auto content = bytes(3'000'000, 1);
  write_file(dir.path / "program", content);
  ppp2p::net::Loop loop;
  auto added =
      ppp2p::net::sync_wait(loop, store->add_file(loop, (dir.path / "program").string(), error));
  ASSERT_TRUE(added) << error;
  EXPECT_EQ(added->hash, sha256(content));
  EXPECT_EQ(added->size, content.size());
  auto path = store->path_of(added->hash);
  ASSERT_TRUE(path);
  EXPECT_EQ(fs::file_size(*path), content.size());
  EXPECT_EQ(fs::status(*path).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(store->cached(), 1u);
  ppp2p::net::Bytes chunk;
  ASSERT_TRUE(store->read(added->hash, 1000, 10, chunk, error)) << error;
  EXPECT_EQ(chunk, ppp2p::net::Bytes(content.begin() + 1000, content.begin() + 1010));
  // Again: the same answer, and still one module.
  auto again =
      ppp2p::net::sync_wait(loop, store->add_file(loop, (dir.path / "program").string(), error));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->hash, added->hash);
  EXPECT_EQ(store->cached(), 1u);
}

TEST(FileModuleStore, RefusesWhatCannotBeAModule) {
  TempDir dir;
  std::string error;
  auto store = FileModuleStore::open(dir.path, error);
  ppp2p::net::Loop loop;
  EXPECT_FALSE(ppp2p::net::sync_wait(loop, store->add_file(loop, "/nonexistent", error)));
  EXPECT_NE(error.find("cannot open the module /nonexistent"), std::string::npos) << error;
  EXPECT_FALSE(ppp2p::net::sync_wait(loop, store->add_file(loop, dir.path.string(), error)));
  EXPECT_NE(error.find("not a regular file"), std::string::npos) << error;
  write_file(dir.path / "empty", {});
  EXPECT_FALSE(
      ppp2p::net::sync_wait(loop, store->add_file(loop, (dir.path / "empty").string(), error)));
}

TEST(FileModuleStore, KeepsAReceivedModuleOnlyIfItsHashMatches) {
  TempDir dir;
  std::string error;
  auto store = FileModuleStore::open(dir.path, error);
  auto content = bytes(100'000, 7);
  ModuleHash h = sha256(content);
  // In order.
  auto w = store->create(h, content.size(), error);
  ASSERT_TRUE(w) << error;
  ASSERT_TRUE(w->write(0, {content.data(), 60'000}, error));
  ASSERT_TRUE(w->write(60'000, {content.data() + 60'000, 40'000}, error));
  ASSERT_TRUE(w->commit(error)) << error;
  EXPECT_TRUE(store->path_of(h));
  // Out of order: read back and hashed at the end.
  auto other = bytes(5000, 9);
  ModuleHash h2 = sha256(other);
  w = store->create(h2, other.size(), error);
  ASSERT_TRUE(w->write(4000, {other.data() + 4000, 1000}, error));
  ASSERT_TRUE(w->write(0, {other.data(), 4000}, error));
  ASSERT_TRUE(w->commit(error)) << error;
  EXPECT_TRUE(store->path_of(h2));
  // Wrong bytes: refused, nothing kept.
  auto bad = bytes(5000, 10);
  ModuleHash claimed = sha256(bytes(5000, 11));
  w = store->create(claimed, bad.size(), error);
  ASSERT_TRUE(w->write(0, bad, error));
  EXPECT_FALSE(w->commit(error));
  EXPECT_NE(error.find("module hash mismatch"), std::string::npos) << error;
  w.reset();
  EXPECT_FALSE(store->path_of(claimed));
  w = store->create(claimed, 10, error);
  ASSERT_TRUE(w);
  EXPECT_FALSE(w->write(5, bytes(10, 0), error)) << "past the announced size";
  w.reset();
  EXPECT_EQ(store->cached(), 2u);
  for (const auto& entry : fs::directory_iterator(dir.path / "modules"))
    EXPECT_FALSE(entry.path().filename().string().starts_with("tmp-")) << entry.path();
}

TEST(FileModuleStore, RemovesWhatAKilledAgentLeftHalfWritten) {
  TempDir dir;
  fs::create_directories(dir.path / "modules");
  write_file(dir.path / "modules" / "tmp-abc-1-0", bytes(10, 0));
  std::string error;
  auto store = FileModuleStore::open(dir.path, error);
  ASSERT_TRUE(store) << error;
  EXPECT_FALSE(fs::exists(dir.path / "modules" / "tmp-abc-1-0"));
}
