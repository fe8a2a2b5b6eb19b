#include "ppp2p/net/private_file.hpp"

#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace ppp2p::net {

namespace fs = std::filesystem;

namespace {

std::error_code last_errno() {
  return {errno, std::system_category()};
}

// Closes a descriptor on every path out.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
};

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR)
        continue;
      return last_errno();
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

// Moves tmp to file unless file exists. renameat2(RENAME_NOREPLACE) does it in one step; on
// file systems without it, link() (which also refuses an existing target) and unlink().
Result<void> rename_no_replace(const fs::path& tmp, const fs::path& file) {
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, file.c_str(), RENAME_NOREPLACE) == 0)
    return {};
  if (errno != EINVAL && errno != ENOSYS)
    return last_errno();
  if (::link(tmp.c_str(), file.c_str()) != 0)
    return last_errno();
  ::unlink(tmp.c_str());
  return {};
}

// Makes the rename itself durable: without it, a crash may forget the new directory entry.
Result<void> sync_directory(const fs::path& dir) {
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd < 0 || ::fsync(d.fd) != 0)
    return last_errno();
  return {};
}

fs::path directory_of(const fs::path& file) {
  return file.parent_path().empty() ? fs::path(".") : file.parent_path();
}

// ".<name>.tmp-": what the temporary files of `file` start with (mkostemp adds 6 characters).
std::string temporary_prefix(const fs::path& file) {
  return "." + file.filename().string() + ".tmp-";
}

} // namespace

void remove_stale_temporaries(const fs::path& file) {
  std::string prefix = temporary_prefix(file);
  std::error_code ec;
  for (auto it = fs::directory_iterator(directory_of(file), ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.size() == prefix.size() + 6 && name.starts_with(prefix))
      fs::remove(it->path(), ec);
  }
}

Result<void> write_file_atomically(const fs::path& file, std::string_view data, mode_t mode,
                                   IfExists if_exists) {
  fs::path dir = directory_of(file);
  if (if_exists == IfExists::fail && ::access(file.c_str(), F_OK) == 0)
    return std::error_code(EEXIST, std::system_category()); // before writing anything
  std::string tmp = (dir / (temporary_prefix(file) + "XXXXXX")).string();
  Fd out{::mkostemp(tmp.data(), O_CLOEXEC)}; // mode 0600 until the fchmod below
  if (out.fd < 0)
    return last_errno();
  Result<void> r = write_all(out.fd, data);
  if (r && (::fchmod(out.fd, mode) != 0 || ::fsync(out.fd) != 0))
    r = last_errno();
  if (r) {
    if (if_exists == IfExists::fail)
      r = rename_no_replace(tmp, file);
    else if (::rename(tmp.c_str(), file.c_str()) != 0)
      r = last_errno();
  }
  if (!r) {
    ::unlink(tmp.c_str());
    return r;
  }
  return sync_directory(dir);
}

} // namespace ppp2p::net
