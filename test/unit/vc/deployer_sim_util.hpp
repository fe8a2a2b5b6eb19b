// Helpers shared by the deployer simulation tests (deployer_sim_*_test.cpp).
#pragma once

#include <cstdlib>

#include "vc_sim.hpp"

namespace ppp2p::agent::vc::sim {

using detail::VcRequest;
using Kind = VtEvent::Kind;
using Failure = VtEvent::Failure;

// PPP2P_SIM_SEED shifts every seed, to run the same scenarios on other random draws.
inline std::uint64_t seed(std::uint64_t base) {
  const char* shift = std::getenv("PPP2P_SIM_SEED");
  return base + (shift ? std::strtoull(shift, nullptr, 10) : 0);
}

inline VcRequest request(unsigned workers, unsigned slots = 1, double min_speed = 0,
                         Millis enrol_timeout = Millis{2000}) {
  VcRequest r;
  r.workers = workers;
  r.slots_per_worker = slots;
  r.min_speed = min_speed;
  r.enrol_timeout = enrol_timeout;
  r.module_path = "/sim/module";
  return r;
}

inline SpawnRequest spawn(VtNumber vt, Program p) {
  return SpawnRequest{vt, 1, 2, args_of(p)};
}

// Creates a VC on node 0 for client; true once it is created.
inline bool started(Cluster& c, Client& client, VcRequest r, std::size_t module_size = 100) {
  c.create(0, client, std::move(r), c.publish(0, module_size));
  return c.world.run_until([&] { return client.id.has_value(); }, Millis{5000});
}

inline bool all_finished(const Client& c, std::size_t n) {
  return c.finals.size() >= n;
}

} // namespace ppp2p::agent::vc::sim
