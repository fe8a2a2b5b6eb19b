#include "ppp2p/net/membership/config.hpp"

#include <algorithm>
#include <cmath>

namespace ppp2p::net::membership {

Millis suspicion_timeout(const Config& cfg, std::size_t members, std::size_t confirmations) {
  double scale = std::max(1.0, std::log10(static_cast<double>(std::max<std::size_t>(members, 1))));
  double min = cfg.suspicion_mult * scale * static_cast<double>(cfg.probe_interval.count());
  double max = std::max(min, cfg.suspicion_max_mult * min);
  // Confirmations we may hope for: suspicion_mult - 2, but no more than the other members
  // (not us, not the suspect) who could send them.
  double expected = std::min(cfg.suspicion_mult - 2, static_cast<double>(members) - 2);
  if (expected < 1)
    return Millis{static_cast<long>(min)};
  double c = std::min(static_cast<double>(confirmations), expected);
  double t = max - (max - min) * std::log(c + 1) / std::log(expected + 1);
  return Millis{static_cast<long>(std::max(min, std::floor(t)))};
}

Millis push_pull_period(const Config& cfg, std::size_t members) {
  if (members <= 32)
    return cfg.push_pull_interval;
  double doublings = std::ceil(std::log2(static_cast<double>(members)) - 5.0);
  return cfg.push_pull_interval * static_cast<long>(doublings + 1);
}

std::size_t retransmit_limit(const Config& cfg, std::size_t members) {
  double scale = std::ceil(std::log10(static_cast<double>(members) + 1));
  return cfg.retransmit_mult * static_cast<std::size_t>(std::max(1.0, scale));
}

} // namespace ppp2p::net::membership
