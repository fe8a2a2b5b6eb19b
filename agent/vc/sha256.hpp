// SHA-256 of modules (libsodium's crypto_hash_sha256), in one go or streamed.
#pragma once

#include "deploy_messages.hpp"

namespace ppp2p::agent::vc {

class Sha256 {
public:
  Sha256();
  void update(net::ByteView bytes);
  ModuleHash finish();

private:
  alignas(64) unsigned char state_[128];
};

ModuleHash sha256(net::ByteView bytes);

} // namespace ppp2p::agent::vc
