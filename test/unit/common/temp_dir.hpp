// A directory under /tmp for one test, removed with everything in it when the test ends.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace ppp2p::testing {

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    char name[] = "/tmp/ppp2p-test-XXXXXX";
    if (!::mkdtemp(name))
      throw std::runtime_error(std::string("mkdtemp failed for ") + name);
    path = name;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

} // namespace ppp2p::testing
