#include "module_fetcher.hpp"

#include <algorithm>

namespace ppp2p::agent::vc {

ModuleFetcher::ModuleFetcher(VcEnvironment env, FetcherConfig cfg) : env_(env), cfg_(cfg) {}

ModuleFetcher::~ModuleFetcher() {
  *alive_ = false;
}

void ModuleFetcher::fetch(const std::string& source, const ModuleHash& hash, std::uint64_t size,
                          Done done) {
  if (auto it = fetches_.find(hash); it != fetches_.end()) {
    it->second.waiters.push_back(std::move(done));
    return;
  }
  std::string error;
  auto writer = env_.modules.create(hash, size, error);
  if (!writer) {
    done(false, error);
    return;
  }
  Fetch& f = fetches_[hash];
  f.generation = next_generation_++;
  f.source = source;
  f.size = size;
  f.writer = std::move(writer);
  f.waiters.push_back(std::move(done));
  pump(hash, f);
}

void ModuleFetcher::pump(const ModuleHash& hash, Fetch& f) {
  while (f.outstanding < cfg_.parallel && f.next_offset < f.size) {
    auto length = static_cast<std::uint32_t>(
        std::min<std::uint64_t>(cfg_.chunk_bytes, f.size - f.next_offset));
    std::uint64_t offset = f.next_offset;
    f.next_offset += length;
    ++f.outstanding;
    env_.messenger.request(f.source, encode(FetchChunk{hash, offset, length}), cfg_.chunk_timeout,
                           [this, alive = alive_, hash, gen = f.generation, offset,
                            length](net::Result<net::ByteView> reply) {
                             if (*alive)
                               on_chunk(hash, gen, offset, length, reply);
                           });
  }
}

void ModuleFetcher::on_chunk(const ModuleHash& hash, std::uint64_t generation, std::uint64_t offset,
                             std::uint32_t length, net::Result<net::ByteView> reply) {
  auto it = fetches_.find(hash);
  if (it == fetches_.end() || it->second.generation != generation)
    return;
  Fetch& f = it->second;
  std::string from = "from " + f.source;
  if (!reply) {
    complete(hash, false,
             "fetching module " + hex(hash) + " " + from + " failed: " + reply.error().message());
    return;
  }
  std::string error;
  auto m = decode(*reply, error);
  if (!m || !std::holds_alternative<Chunk>(*m)) {
    complete(hash, false,
             "the deployer " + from +
                 " answered a chunk request with an invalid "
                 "message");
    return;
  }
  Chunk& c = std::get<Chunk>(*m);
  if (!c.error.empty()) {
    complete(hash, false, "the deployer " + f.source + " cannot serve the module: " + c.error);
    return;
  }
  if (c.data.size() != length) {
    complete(hash, false,
             "the deployer " + f.source + " sent " + std::to_string(c.data.size()) +
                 " bytes for the chunk at offset " + std::to_string(offset) + ", not " +
                 std::to_string(length));
    return;
  }
  if (!f.writer->write(offset, c.data, error)) {
    complete(hash, false, error);
    return;
  }
  --f.outstanding;
  f.received += length;
  bytes_ += length;
  if (f.received < f.size) {
    pump(hash, f);
    return;
  }
  if (!f.writer->commit(error)) {
    complete(hash, false, error);
    return;
  }
  ++fetched_;
  complete(hash, true, {});
}

void ModuleFetcher::complete(const ModuleHash& hash, bool ok, const std::string& error) {
  auto it = fetches_.find(hash);
  if (it == fetches_.end())
    return;
  std::vector<Done> waiters = std::move(it->second.waiters);
  fetches_.erase(it); // abandons an uncommitted writer
  for (Done& d : waiters)
    d(ok, error);
}

} // namespace ppp2p::agent::vc
