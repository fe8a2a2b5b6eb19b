#include "ppp2p/net/keys.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <fstream>
#include <sodium.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/private_file.hpp"

namespace ppp2p::net {

namespace fs = std::filesystem;

void crypto_init() {
  static const bool ok = sodium_init() >= 0;
  if (!ok) {
    std::fprintf(stderr, "ppp2p: libsodium failed to initialise\n");
    std::abort();
  }
}

std::string PublicKey::hex() const {
  char out[65];
  sodium_bin2hex(out, sizeof out, bytes.data(), bytes.size());
  return out;
}

Result<PublicKey> PublicKey::from_hex(std::string_view text) {
  PublicKey k;
  std::size_t len = 0;
  const char* end = nullptr;
  if (text.size() != 64 ||
      sodium_hex2bin(k.bytes.data(), k.bytes.size(), text.data(), text.size(), nullptr, &len,
                     &end) != 0 ||
      len != 32)
    return errc::key_malformed;
  return k;
}

Identity Identity::generate() {
  crypto_init();
  Identity id;
  crypto_sign_keypair(id.public_key.bytes.data(), id.secret_key.data());
  return id;
}

namespace {

std::error_code last_errno() {
  return {errno, std::system_category()};
}

Result<std::string> read_file(const fs::path& file, std::size_t max_bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    return std::error_code(errno ? errno : ENOENT, std::system_category());
  std::string data;
  data.resize(max_bytes + 1);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (in.bad())
    return std::error_code(EIO, std::system_category());
  data.resize(static_cast<std::size_t>(in.gcount()));
  if (data.size() > max_bytes)
    return errc::key_malformed;
  return data;
}

std::string trim(std::string s) {
  auto not_space = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), not_space));
  s.erase(std::find_if(s.rbegin(), s.rend(), not_space).base(), s.end());
  return s;
}

} // namespace

Result<Identity> Identity::load_or_create(const fs::path& dir) {
  crypto_init();
  fs::path secret_file = dir / "identity.key";
  fs::path public_file = dir / "identity.pub";
  auto write_public = [&](const Identity& id) {
    return write_file_atomically(public_file, id.public_key.hex() + "\n", 0644, IfExists::replace);
  };
  remove_stale_temporaries(secret_file); // a crash while writing them left these behind
  remove_stale_temporaries(public_file);
  struct stat st {};
  if (::stat(secret_file.c_str(), &st) != 0) {
    if (errno != ENOENT)
      return last_errno();
    Identity id = generate();
    char hex[129];
    sodium_bin2hex(hex, sizeof hex, id.secret_key.data(), id.secret_key.size());
    auto written = write_file_atomically(secret_file, std::string(hex) + "\n", 0600);
    sodium_memzero(hex, sizeof hex);
    if (!written)
      return written.error();
    if (auto r = write_public(id); !r)
      return r.error();
    return id;
  }
  if ((st.st_mode & 077) != 0) // someone else could read our secret
    return std::error_code(EACCES, std::system_category());
  auto text = read_file(secret_file, 1024);
  if (!text)
    return text.error();
  std::string hex = trim(*text);
  Identity id;
  std::size_t len = 0;
  if (hex.size() != 128 ||
      sodium_hex2bin(id.secret_key.data(), id.secret_key.size(), hex.data(), hex.size(), nullptr,
                     &len, nullptr) != 0 ||
      len != 64)
    return errc::key_malformed;
  crypto_sign_ed25519_sk_to_pk(id.public_key.bytes.data(), id.secret_key.data());
  // The secret key embeds its public half: check it is consistent.
  std::array<std::uint8_t, 32> seed{};
  crypto_sign_ed25519_sk_to_seed(seed.data(), id.secret_key.data());
  std::array<std::uint8_t, 32> pk{};
  std::array<std::uint8_t, 64> sk{};
  crypto_sign_seed_keypair(pk.data(), sk.data(), seed.data());
  sodium_memzero(sk.data(), sk.size());
  sodium_memzero(seed.data(), seed.size());
  if (pk != id.public_key.bytes)
    return errc::key_mismatch;
  // A crash between writing the two files of a new identity leaves only the secret one.
  if (!fs::exists(public_file))
    if (auto r = write_public(id); !r)
      return r.error();
  return id;
}

ClusterKey ClusterKey::from_secret(std::string_view secret) {
  crypto_init();
  ClusterKey k;
  static constexpr char kContext[] = "ppp2p cluster key v1";
  crypto_generichash(k.bytes.data(), k.bytes.size(),
                     reinterpret_cast<const unsigned char*>(secret.data()), secret.size(),
                     reinterpret_cast<const unsigned char*>(kContext), sizeof kContext - 1);
  return k;
}

Result<ClusterKey> ClusterKey::load(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return last_errno();
  struct stat st {};
  // Checked on the open file, so that what is checked is what is read.
  bool too_open = ::fstat(fd, &st) == 0 && (st.st_mode & 077) != 0;
  std::array<char, 67> data{}; // one more than the longest valid form, to see a longer file
  std::size_t size = 0;
  std::error_code read_error;
  while (!too_open && size < data.size()) {
    ssize_t n = ::read(fd, data.data() + size, data.size() - size);
    if (n == 0)
      break;
    if (n < 0) {
      if (errno == EINTR)
        continue;
      read_error = last_errno();
      break;
    }
    size += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (too_open)
    return errc::key_file_too_open;
  if (read_error)
    return read_error;
  std::array<std::uint8_t, 32> secret{};
  std::string_view text(data.data(), size);
  if (text.size() == 65 && text.back() == '\n')
    text.remove_suffix(1);
  std::size_t len = 0;
  bool valid = true;
  if (size == 32)
    std::copy_n(data.begin(), 32, secret.begin());
  else
    valid = text.size() == 64 &&
            sodium_hex2bin(secret.data(), secret.size(), text.data(), text.size(), nullptr, &len,
                           nullptr) == 0 &&
            len == 32;
  sodium_memzero(data.data(), data.size());
  if (!valid)
    return errc::key_file_wrong_length;
  ClusterKey k =
      from_secret(std::string_view(reinterpret_cast<const char*>(secret.data()), secret.size()));
  sodium_memzero(secret.data(), secret.size());
  return k;
}

Result<void> ClusterKey::generate_file(const fs::path& file) {
  crypto_init();
  std::array<char, 32> secret{};
  randombytes_buf(secret.data(), secret.size());
  auto r = write_file_atomically(file, std::string_view(secret.data(), secret.size()), 0600);
  sodium_memzero(secret.data(), secret.size());
  return r;
}

Result<std::set<PublicKey>> load_allow_list(const fs::path& file) {
  auto data = read_file(file, 16 << 20);
  if (!data)
    return data.error();
  std::set<PublicKey> keys;
  std::istringstream lines(*data);
  for (std::string line; std::getline(lines, line);) {
    if (auto hash = line.find('#'); hash != std::string::npos)
      line.erase(hash);
    line = trim(line);
    if (line.empty())
      continue;
    auto key = PublicKey::from_hex(line);
    if (!key)
      return key.error();
    keys.insert(*key);
  }
  return keys;
}

} // namespace ppp2p::net
