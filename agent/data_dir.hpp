// The agent's data dir: identity key pair, lock, advertised address, status and client sockets,
// module cache (modules/, see vc/file_module_store.hpp).
#pragma once

#include <filesystem>
#include <string>

#include "ppp2p/net/result.hpp"

namespace ppp2p::agent {

class DataDir {
public:
  // Creates the directory (mode 0700) if it does not exist. A clear message on failure.
  static net::Result<DataDir> open(const std::filesystem::path& root, std::string& error);
  DataDir(DataDir&& other) noexcept;
  DataDir& operator=(DataDir&&) = delete;
  // Releases the lock and removes the address file and the sockets.
  ~DataDir();

  // Takes DIR/agent.lock (one agent per data dir) and writes our pid into it. On failure,
  // error names the other agent's pid when there is one.
  bool lock(std::string& error);

  const std::filesystem::path& root() const noexcept { return root_; }
  std::filesystem::path address_file() const { return root_ / "address"; }
  std::filesystem::path status_socket() const { return root_ / "status.sock"; }
  std::filesystem::path client_socket() const { return root_ / "client.sock"; }
  std::filesystem::path lock_file() const { return root_ / "agent.lock"; }

  // Writes DIR/address atomically (HOST:PORT and a newline).
  bool write_address(const std::string& address, std::string& error);

private:
  explicit DataDir(std::filesystem::path root) : root_(std::move(root)) {}
  std::filesystem::path root_;
  int lock_fd_ = -1;
};

} // namespace ppp2p::agent
