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

// Writes a file that only its owner may read, failing if it already exists.
Result<void> write_private_file(const fs::path& file, std::string_view data, mode_t mode) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    return last_errno();
  ::fchmod(fd, mode); // in case the umask took bits away
  bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size());
  ok = (::fsync(fd) == 0) && ok;
  std::error_code ec = ok ? std::error_code{} : last_errno();
  ::close(fd);
  return ec;
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
  struct stat st {};
  if (::stat(secret_file.c_str(), &st) != 0) {
    if (errno != ENOENT)
      return last_errno();
    Identity id = generate();
    char hex[129];
    sodium_bin2hex(hex, sizeof hex, id.secret_key.data(), id.secret_key.size());
    if (auto r = write_private_file(secret_file, std::string(hex) + "\n", 0600); !r)
      return r.error();
    std::error_code ec;
    fs::remove(public_file, ec);
    if (auto r = write_private_file(public_file, id.public_key.hex() + "\n", 0644); !r)
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
  auto data = read_file(file, 1 << 20);
  if (!data)
    return data.error();
  if (data->size() < 32)
    return errc::key_too_short;
  ClusterKey k = from_secret(*data);
  sodium_memzero(data->data(), data->size());
  return k;
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
