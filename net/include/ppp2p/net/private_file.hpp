// Writing a small file so that a crash never leaves it half written: keys and other files that
// are read back at start, where a torn file would keep the agent from starting.
#pragma once

#include <filesystem>
#include <string_view>
#include <sys/types.h>

#include "ppp2p/net/result.hpp"

namespace ppp2p::net {

enum class IfExists { fail, replace };

// Writes data to a temporary file beside `file` (created with `mode`, which the umask does not
// narrow), fsyncs it, renames it to `file` and fsyncs the directory: after a crash `file` is
// either absent (or its old version) or complete. With IfExists::fail an existing `file` is
// never replaced, and the error is EEXIST (std::errc::file_exists).
Result<void> write_file_atomically(const std::filesystem::path& file, std::string_view data,
                                   mode_t mode, IfExists if_exists = IfExists::fail);

// Removes the temporary files a crash in write_file_atomically(file, ...) left beside `file`
// (they may hold a secret). Only for files no other process is writing at the same time.
void remove_stale_temporaries(const std::filesystem::path& file);

} // namespace ppp2p::net
