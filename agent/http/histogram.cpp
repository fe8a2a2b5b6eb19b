#include "histogram.hpp"

#include <algorithm>

namespace ppp2p::agent::http {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
  // Buckets are "less than or equal": lower_bound finds the first bound >= value.
  auto i = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  ++counts_[static_cast<std::size_t>(i)];
  ++count_;
  sum_ += value;
}

std::vector<std::uint64_t> Histogram::cumulative() const {
  std::vector<std::uint64_t> out(bounds_.size());
  std::uint64_t running = 0;
  for (std::size_t i = 0; i < bounds_.size(); ++i)
    out[i] = running += counts_[i];
  return out;
}

} // namespace ppp2p::agent::http
