// SlotHints: what a deployer knows about members' free slots before membership gossip does.
// When it releases a worker, that member's slots are free again at once, but its advertised
// free slots only change when the news has spread (a few hundred ms). A VC created right after
// another was released would skip the member meanwhile; with the hint it asks it.
#pragma once

#include <map>
#include <string>

#include "vc_env.hpp"

namespace ppp2p::agent::vc {

class SlotHints {
public:
  explicit SlotHints(net::membership::Clock& clock, Millis validity = Millis{2000})
      : clock_(clock), validity_(validity) {}

  // This agent released `slots` slots of the member at address just now.
  void released(const std::string& address, unsigned slots) {
    auto& h = hints_[address];
    Millis now = clock_.now();
    h.slots = (now - h.at < validity_ ? h.slots : 0) + slots;
    h.at = now;
  }

  // The member's free slots: as advertised, or what it surely has after a recent release.
  unsigned free_slots(const Candidate& c) const {
    auto it = hints_.find(c.address);
    if (it == hints_.end() || clock_.now() - it->second.at >= validity_)
      return c.free_slots;
    return std::max(c.free_slots, it->second.slots);
  }

private:
  struct Hint {
    Millis at{0};
    unsigned slots = 0;
  };
  net::membership::Clock& clock_;
  Millis validity_;
  std::map<std::string, Hint> hints_;
};

} // namespace ppp2p::agent::vc
