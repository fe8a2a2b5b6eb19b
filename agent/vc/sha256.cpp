#include "sha256.hpp"

#include <sodium.h>

namespace ppp2p::agent::vc {

static_assert(sizeof(crypto_hash_sha256_state) <= 128);

Sha256::Sha256() {
  if (sodium_init() < 0)
    std::abort();
  crypto_hash_sha256_init(reinterpret_cast<crypto_hash_sha256_state*>(state_));
}

void Sha256::update(net::ByteView bytes) {
  crypto_hash_sha256_update(reinterpret_cast<crypto_hash_sha256_state*>(state_), bytes.data(),
                            bytes.size());
}

ModuleHash Sha256::finish() {
  ModuleHash out{};
  crypto_hash_sha256_final(reinterpret_cast<crypto_hash_sha256_state*>(state_), out.data());
  return out;
}

ModuleHash sha256(net::ByteView bytes) {
  Sha256 h;
  h.update(bytes);
  return h.finish();
}

} // namespace ppp2p::agent::vc
