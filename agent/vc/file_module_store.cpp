#include "file_module_store.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ppp2p/net/thread_pool.hpp"
#include "sha256.hpp"

namespace ppp2p::agent::vc {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kBlock = 1u << 20;

std::string errno_text(const std::string& what) {
  return what + ": " + std::strerror(errno);
}

// A file descriptor closed on scope exit.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
};

bool pread_all(int fd, std::uint8_t* out, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    ssize_t r = ::pread(fd, out, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    out += r;
    n -= static_cast<std::size_t>(r);
    offset += static_cast<std::uint64_t>(r);
  }
  return true;
}

bool pwrite_all(int fd, const std::uint8_t* in, std::size_t n, std::uint64_t offset) {
  while (n > 0) {
    ssize_t r = ::pwrite(fd, in, n, static_cast<off_t>(offset));
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    in += r;
    n -= static_cast<std::size_t>(r);
    offset += static_cast<std::uint64_t>(r);
  }
  return true;
}

// The SHA-256 of the first `size` bytes of fd.
std::optional<ModuleHash> hash_fd(int fd, std::uint64_t size) {
  Sha256 h;
  net::Bytes block(kBlock);
  for (std::uint64_t off = 0; off < size; off += kBlock) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, size - off));
    if (!pread_all(fd, block.data(), n, off))
      return std::nullopt;
    h.update({block.data(), n});
  }
  return h.finish();
}

// Writes a module into a temporary file and hashes it on the way when it arrives in order (the
// usual case), so that commit() need not read it back.
class FileWriter final : public ModuleWriter {
public:
  FileWriter(fs::path temp, fs::path final, ModuleHash hash, std::uint64_t size, int fd)
      : temp_(std::move(temp)), final_(std::move(final)), hash_(hash), size_(size), fd_(fd) {}
  ~FileWriter() override {
    if (!committed_)
      ::unlink(temp_.c_str());
  }
  bool write(std::uint64_t offset, net::ByteView bytes, std::string& error) override {
    if (offset + bytes.size() > size_) {
      error = "module bytes past its announced size";
      return false;
    }
    if (!pwrite_all(fd_.fd, bytes.data(), bytes.size(), offset)) {
      error = errno_text("cannot write " + temp_.string());
      return false;
    }
    if (in_order_ && offset == hashed_) {
      running_.update(bytes);
      hashed_ += bytes.size();
    } else {
      in_order_ = false;
    }
    return true;
  }
  bool commit(std::string& error) override {
    std::optional<ModuleHash> got;
    if (in_order_ && hashed_ == size_)
      got = running_.finish();
    else
      got = hash_fd(fd_.fd, size_);
    if (!got) {
      error = errno_text("cannot read back " + temp_.string());
      return false;
    }
    if (*got != hash_) {
      error =
          "module hash mismatch: received bytes hash to " + hex(*got) + ", expected " + hex(hash_);
      return false;
    }
    // Synced before it is renamed: after a crash the cache holds whole modules or none.
    if (::fchmod(fd_.fd, 0700) != 0 || ::fsync(fd_.fd) != 0 ||
        ::rename(temp_.c_str(), final_.c_str()) != 0) {
      error = errno_text("cannot store module " + final_.string());
      return false;
    }
    committed_ = true;
    return true;
  }

private:
  fs::path temp_, final_;
  ModuleHash hash_;
  std::uint64_t size_;
  Fd fd_;
  Sha256 running_;
  std::uint64_t hashed_ = 0;
  bool in_order_ = true;
  bool committed_ = false;
};

} // namespace

std::unique_ptr<FileModuleStore> FileModuleStore::open(const fs::path& data_dir,
                                                       std::string& error) {
  fs::path root = data_dir / "modules";
  if (::mkdir(root.c_str(), 0700) != 0 && errno != EEXIST) {
    error = errno_text("cannot create " + root.string());
    return nullptr;
  }
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root, ec))
    if (entry.path().filename().string().starts_with("tmp-"))
      fs::remove(entry.path(), ec);
  return std::unique_ptr<FileModuleStore>(new FileModuleStore(root));
}

std::optional<std::string> FileModuleStore::path_of(const ModuleHash& hash) {
  fs::path p = file_of(hash);
  struct stat st {};
  if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  return p.string();
}

void FileModuleStore::forget(const ModuleHash& hash) {
  std::error_code ec;
  fs::remove(file_of(hash), ec);
}

std::optional<std::uint64_t> FileModuleStore::size_of(const ModuleHash& hash) {
  struct stat st {};
  if (::stat(file_of(hash).c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    return std::nullopt;
  return static_cast<std::uint64_t>(st.st_size);
}

bool FileModuleStore::read(const ModuleHash& hash, std::uint64_t offset, std::uint32_t length,
                           net::Bytes& out, std::string& error) {
  Fd fd(::open(file_of(hash).c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) {
    error = errno_text("cannot open module " + hex(hash));
    return false;
  }
  out.resize(length);
  if (!pread_all(fd.fd, out.data(), length, offset)) {
    error = "cannot read module " + hex(hash) + " at offset " + std::to_string(offset);
    return false;
  }
  return true;
}

std::unique_ptr<ModuleWriter> FileModuleStore::create(const ModuleHash& hash, std::uint64_t size,
                                                      std::string& error) {
  fs::path temp = root_ / ("tmp-" + hex(hash) + "-" + std::to_string(::getpid()) + "-" +
                           std::to_string(next_temp_++));
  int fd = ::open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    error = errno_text("cannot create " + temp.string());
    return nullptr;
  }
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    error = errno_text("cannot make room for the module in " + temp.string());
    ::close(fd);
    ::unlink(temp.c_str());
    return nullptr;
  }
  return std::make_unique<FileWriter>(temp, file_of(hash), hash, size, fd);
}

std::optional<FileModuleStore::Added>
FileModuleStore::import(const fs::path& root, int fd, std::uint64_t size, const std::string& path,
                        const std::string& temp_name, std::string& error) {
  // One pass: copy into a temporary file of the cache while hashing; keep the copy unless the
  // cache has the module already.
  fs::path temp = root / temp_name;
  Fd out(::open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.fd < 0) {
    error = errno_text("cannot create " + temp.string());
    return std::nullopt;
  }
  struct Unlink {
    const fs::path& p;
    bool keep = false;
    ~Unlink() {
      if (!keep)
        ::unlink(p.c_str());
    }
  } cleanup{temp};
  Sha256 h;
  net::Bytes block(kBlock);
  for (std::uint64_t off = 0; off < size; off += kBlock) {
    std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(kBlock, size - off));
    if (!pread_all(fd, block.data(), n, off)) {
      error = errno_text("cannot read the module " + path);
      return std::nullopt;
    }
    h.update({block.data(), n});
    if (!pwrite_all(out.fd, block.data(), n, off)) {
      error = errno_text("cannot write " + temp.string());
      return std::nullopt;
    }
  }
  ModuleHash hash = h.finish();
  fs::path final = root / hex(hash);
  struct stat st {};
  if (::stat(final.c_str(), &st) != 0) {
    // Synced before it is renamed: after a crash the cache holds whole modules or none.
    if (::fchmod(out.fd, 0700) != 0 || ::fsync(out.fd) != 0 ||
        ::rename(temp.c_str(), final.c_str()) != 0) {
      error = errno_text("cannot store module " + final.string());
      return std::nullopt;
    }
    cleanup.keep = true;
  }
  return Added{hash, size};
}

net::task<std::optional<FileModuleStore::Added>>
FileModuleStore::add_file(net::Loop& loop, std::string path, std::string& error) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (fd.fd < 0 || ::fstat(fd.fd, &st) != 0) {
    error = errno_text("cannot open the module " + path);
    co_return std::nullopt;
  }
  if (!S_ISREG(st.st_mode)) {
    error = "the module " + path + " is not a regular file";
    co_return std::nullopt;
  }
  auto size = static_cast<std::uint64_t>(st.st_size);
  if (size == 0 || size > kMaxModuleSize) {
    error = "the module " + path + " has " + std::to_string(size) +
            " bytes (from 1 B to 1 GiB are accepted)";
    co_return std::nullopt;
  }
  std::int64_t mtime =
      static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  Seen now{static_cast<std::uint64_t>(st.st_dev),
           static_cast<std::uint64_t>(st.st_ino),
           size,
           mtime,
           {}};
  auto seen = seen_.find(path);
  if (seen != seen_.end() && seen->second.dev == now.dev && seen->second.ino == now.ino &&
      seen->second.size == size && seen->second.mtime_ns == mtime && path_of(seen->second.hash))
    co_return Added{seen->second.hash, size};
  std::string temp_name =
      "tmp-local-" + std::to_string(::getpid()) + "-" + std::to_string(next_temp_++);
  std::optional<Added> added;
  std::string thread_error;
  co_await net::run_in_pool(
      loop, [&] { added = import(root_, fd.fd, size, path, temp_name, thread_error); });
  if (!added) {
    error = thread_error;
    co_return std::nullopt;
  }
  now.hash = added->hash;
  seen_[path] = now;
  co_return added;
}

std::size_t FileModuleStore::cached() const {
  std::size_t n = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(root_, ec))
    if (entry.path().filename().string().size() == 64)
      ++n;
  return n;
}

} // namespace ppp2p::agent::vc
