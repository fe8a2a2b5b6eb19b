// Fixed credentials for the fuzz targets and their seed generator, so that seeds made by one
// run (signatures, MACs, sealed frames) stay meaningful to the next.
#pragma once

#include <sodium.h>

#include "ppp2p/net/keys.hpp"

namespace ppp2p::net::fuzzing {

inline Identity fixed_identity(unsigned char which) {
  crypto_init();
  unsigned char seed[32];
  for (auto& b : seed)
    b = which;
  Identity id;
  crypto_sign_seed_keypair(id.public_key.bytes.data(), id.secret_key.data(), seed);
  return id;
}

inline Credentials fixed_credentials(unsigned char which) {
  return {fixed_identity(which), ClusterKey::from_secret("the fuzzing cluster secret, 32+ bytes"),
          std::nullopt};
}

inline std::array<std::uint8_t, 32> fixed_session_key() {
  std::array<std::uint8_t, 32> k;
  k.fill(0x5a);
  return k;
}

} // namespace ppp2p::net::fuzzing
