// The module cache in the agent's data dir (the real ModuleStore): DIR/modules/<sha256 hex>,
// owner-only executables. Modules arrive two ways: a local client's executable is hashed and
// copied in (add_file), or a worker receives one in chunks (create -> write -> commit), which
// is verified against its hash before it is renamed into place; a module whose bytes do not
// match is thrown away. Nothing is ever fetched or copied twice.
#pragma once

#include <filesystem>
#include <map>
#include <memory>

#include "ppp2p/net/task.hpp"
#include "vc_env.hpp"

namespace ppp2p::net {
class Loop;
}

namespace ppp2p::agent::vc {

class FileModuleStore final : public ModuleStore {
public:
  // Creates DIR/modules (0700) if needed and removes partial files a killed agent left.
  static std::unique_ptr<FileModuleStore> open(const std::filesystem::path& data_dir,
                                               std::string& error);

  std::optional<std::string> path_of(const ModuleHash& hash) override;
  void forget(const ModuleHash& hash) override;
  std::optional<std::uint64_t> size_of(const ModuleHash& hash) override;
  bool read(const ModuleHash& hash, std::uint64_t offset, std::uint32_t length, net::Bytes& out,
            std::string& error) override;
  std::unique_ptr<ModuleWriter> create(const ModuleHash& hash, std::uint64_t size,
                                       std::string& error) override;

  struct Added {
    ModuleHash hash{};
    std::uint64_t size = 0;
  };
  // Hashes the file at path (a client's executable on this machine) and caches a copy, on the
  // loop's thread pool. A file seen before, unchanged (same inode, size and modification
  // time), is not read again. Empty result with error set on failure.
  net::task<std::optional<Added>> add_file(net::Loop& loop, std::string path, std::string& error);

  std::size_t cached() const;
  const std::filesystem::path& root() const noexcept { return root_; }

private:
  explicit FileModuleStore(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path file_of(const ModuleHash& hash) const { return root_ / hex(hash); }

  struct Seen {
    std::uint64_t dev = 0, ino = 0, size = 0;
    std::int64_t mtime_ns = 0;
    ModuleHash hash{};
  };
  // Copies the open file (of `size` bytes) into the cache while hashing it: on any thread.
  static std::optional<Added> import(const std::filesystem::path& root, int fd, std::uint64_t size,
                                     const std::string& path, const std::string& temp_name,
                                     std::string& error);
  std::filesystem::path root_;
  std::map<std::string, Seen> seen_; // by path
  std::uint64_t next_temp_ = 0;
};

} // namespace ppp2p::agent::vc
