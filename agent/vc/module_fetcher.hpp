// ModuleFetcher: brings a module the worker lacks from the deployer that offers it, in chunks,
// a few at a time, into the module store, which verifies its SHA-256 before anyone runs it.
// One fetch per module, however many enrolments wait for it: a module is never fetched twice
// (once stored, path_of() finds it and nobody asks the fetcher).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "vc_env.hpp"

namespace ppp2p::agent::vc {

struct FetcherConfig {
  std::uint32_t chunk_bytes = 1u << 20;
  unsigned parallel = 4; // chunk requests in flight
  Millis chunk_timeout{30000};
};

class ModuleFetcher {
public:
  using Done = std::function<void(bool ok, const std::string& error)>;

  ModuleFetcher(VcEnvironment env, FetcherConfig cfg = {});
  ModuleFetcher(const ModuleFetcher&) = delete;
  ModuleFetcher& operator=(const ModuleFetcher&) = delete;
  ~ModuleFetcher();

  // Fetches `hash` (of `size` bytes) from the agent at `source`, unless a fetch of it is under
  // way already; done is called once, when the module is stored or the fetch failed.
  void fetch(const std::string& source, const ModuleHash& hash, std::uint64_t size, Done done);

  std::uint64_t modules_fetched() const noexcept { return fetched_; }
  std::uint64_t bytes_fetched() const noexcept { return bytes_; }
  std::size_t in_progress() const noexcept { return fetches_.size(); }

private:
  struct Fetch {
    std::uint64_t generation = 0;
    std::string source;
    std::uint64_t size = 0;
    std::unique_ptr<ModuleWriter> writer;
    std::uint64_t next_offset = 0;
    std::uint64_t received = 0;
    unsigned outstanding = 0;
    std::vector<Done> waiters;
  };

  void pump(const ModuleHash& hash, Fetch& f);
  void on_chunk(const ModuleHash& hash, std::uint64_t generation, std::uint64_t offset,
                std::uint32_t length, net::Result<net::ByteView> reply);
  void complete(const ModuleHash& hash, bool ok, const std::string& error);

  VcEnvironment env_;
  FetcherConfig cfg_;
  std::map<ModuleHash, Fetch> fetches_;
  std::uint64_t next_generation_ = 1;
  std::uint64_t fetched_ = 0, bytes_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

} // namespace ppp2p::agent::vc
