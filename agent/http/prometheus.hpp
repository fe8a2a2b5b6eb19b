// Prometheus text exposition format (version 0.0.4): metric families, each with its HELP and
// TYPE lines, then its samples. Escaping and number formatting follow the format's rules, so
// that any label value (an address, say) is safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "histogram.hpp"

namespace ppp2p::agent::http {

inline constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

using Labels = std::vector<std::pair<std::string, std::string>>;

class Exposition {
public:
  // Starts a family: its # HELP and # TYPE lines. type: counter, gauge or histogram.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample line: name{labels} value. For a family's own name or its _bucket/_sum/_count.
  void sample(std::string_view name, double value, const Labels& labels = {});
  // A whole histogram family: HELP, TYPE, cumulative buckets with le, +Inf, _sum, _count.
  void histogram(std::string_view name, std::string_view help, const Histogram& h);

  const std::string& text() const noexcept { return out_; }

private:
  std::string out_;
};

// Numbers as the format writes them: integers without a fraction, +Inf, -Inf, NaN.
std::string format_value(double v);
// A label value with \, " and newline escaped.
std::string escape_label_value(std::string_view v);
// HELP text with \ and newline escaped.
std::string escape_help(std::string_view v);

} // namespace ppp2p::agent::http
