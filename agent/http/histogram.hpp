// Histogram: counts of observations under fixed upper bounds, with their sum, as Prometheus
// histograms expose them (cumulative buckets, then +Inf).
#pragma once

#include <cstdint>
#include <vector>

namespace ppp2p::agent::http {

class Histogram {
public:
  // bounds: increasing upper bounds (the +Inf bucket is implied).
  explicit Histogram(std::vector<double> bounds);

  void observe(double value);

  const std::vector<double>& bounds() const noexcept { return bounds_; }
  // Observations <= bounds()[i], cumulative (as exposed); size() == bounds().size().
  std::vector<std::uint64_t> cumulative() const;
  std::uint64_t count() const noexcept { return count_; }
  double sum() const noexcept { return sum_; }

private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_; // per bucket, not cumulative; last: above every bound
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

} // namespace ppp2p::agent::http
