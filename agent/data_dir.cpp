#include "data_dir.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ppp2p::agent {

namespace fs = std::filesystem;

namespace {
std::string errno_text() {
  return std::strerror(errno);
}
} // namespace

net::Result<DataDir> DataDir::open(const fs::path& root, std::string& error) {
  std::error_code ec;
  fs::path abs = fs::absolute(root, ec);
  if (ec) {
    error = "cannot use data dir " + root.string() + ": " + ec.message();
    return ec;
  }
  if (!fs::exists(abs, ec)) {
    fs::create_directories(abs, ec);
    if (!ec)
      fs::permissions(abs, fs::perms::owner_all, fs::perm_options::replace, ec);
    if (ec) {
      error = "cannot create data dir " + abs.string() + ": " + ec.message();
      return ec;
    }
  } else if (!fs::is_directory(abs, ec)) {
    error = "data dir " + abs.string() + " exists and is not a directory";
    return std::make_error_code(std::errc::not_a_directory);
  }
  if (::access(abs.c_str(), R_OK | W_OK | X_OK) != 0) {
    error = "cannot use data dir " + abs.string() + ": " + errno_text();
    return std::error_code(errno, std::system_category());
  }
  return DataDir(abs);
}

DataDir::DataDir(DataDir&& other) noexcept
    : root_(std::move(other.root_)), lock_fd_(std::exchange(other.lock_fd_, -1)) {}

DataDir::~DataDir() {
  if (lock_fd_ < 0)
    return;
  std::error_code ec;
  fs::remove(address_file(), ec);
  fs::remove(status_socket(), ec);
  fs::remove(client_socket(), ec);
  ::ftruncate(lock_fd_, 0);
  ::close(lock_fd_); // releases the lock
}

bool DataDir::lock(std::string& error) {
  int fd = ::open(lock_file().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = "cannot open " + lock_file().string() + ": " + errno_text();
    return false;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char pid[32] = {};
    ssize_t n = ::pread(fd, pid, sizeof pid - 1, 0);
    ::close(fd);
    std::string who = n > 0 ? " (pid " + std::string(pid, std::strcspn(pid, "\n")) + ")" : "";
    if (err == EWOULDBLOCK)
      error = "another agent" + who + " is running with data dir " + root_.string();
    else
      error = "cannot lock " + lock_file().string() + ": " + std::strerror(err);
    return false;
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    error = "cannot write " + lock_file().string() + ": " + errno_text();
    ::close(fd);
    return false;
  }
  lock_fd_ = fd;
  // What a killed agent left behind must not be mistaken for ours.
  std::error_code ec;
  fs::remove(address_file(), ec);
  return true;
}

bool DataDir::write_address(const std::string& address, std::string& error) {
  fs::path tmp = root_ / "address.tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << address << "\n";
    if (!out) {
      error = "cannot write " + tmp.string();
      return false;
    }
  }
  std::error_code ec;
  fs::rename(tmp, address_file(), ec);
  if (ec) {
    error = "cannot write " + address_file().string() + ": " + ec.message();
    return false;
  }
  return true;
}

} // namespace ppp2p::agent
