#include "cluster_key_file.hpp"

#include <cstdio>
#include <sys/stat.h>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/keys.hpp"

namespace ppp2p::agent {

int run_keygen(const std::filesystem::path& file) {
  auto r = net::ClusterKey::generate_file(file);
  if (!r) {
    std::string why = r.error().message();
    if (r.error() == std::errc::file_exists)
      why += " (refusing to overwrite a key; remove the file first if it is really to be replaced)";
    std::fprintf(stderr, "ppp2p-runtime: cannot write a cluster key to %s: %s\n", file.c_str(),
                 why.c_str());
    return 1;
  }
  std::printf("wrote a new cluster key to %s (32 random bytes, mode 0600); give every member a "
              "copy and start it with --cluster-key-file %s\n",
              file.c_str(), file.c_str());
  return 0;
}

std::string explain_refused_key_file(const std::filesystem::path& file, std::error_code ec) {
  std::string why = ec.message();
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) {
    char detail[64];
    if (ec == net::errc::key_file_too_open)
      std::snprintf(detail, sizeof detail, ": it is mode %04o", st.st_mode & 07777);
    else if (ec == net::errc::key_file_wrong_length)
      std::snprintf(detail, sizeof detail, ": it holds %lld bytes",
                    static_cast<long long>(st.st_size));
    else
      detail[0] = '\0';
    why += detail;
  }
  return "cannot use cluster key file " + file.string() + ": " + why +
         "; create a new key with `ppp2p-runtime keygen FILE` (32 random bytes, mode 0600) and "
         "give every member a copy";
}

} // namespace ppp2p::agent
