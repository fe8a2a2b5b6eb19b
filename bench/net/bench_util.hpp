// Small helpers shared by the network benchmarks: percentiles and markdown tables.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "ppp2p/net/keys.hpp"

namespace ppp2p::bench {

// Credentials of a benchmark agent: a fresh identity and a fixed cluster secret.
inline ppp2p::net::Credentials bench_member() {
  return {ppp2p::net::Identity::generate(),
          ppp2p::net::ClusterKey::from_secret(std::string(40, 'b')), std::nullopt};
}

inline double percentile(std::vector<double> v, double p) {
  if (v.empty())
    return 0;
  std::sort(v.begin(), v.end());
  std::size_t i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

inline void table_header(const std::vector<std::string>& cols) {
  std::string line = "|", rule = "|";
  for (const auto& c : cols) {
    line += " " + c + " |";
    rule += " --- |";
  }
  std::printf("%s\n%s\n", line.c_str(), rule.c_str());
}

inline void table_row(const std::vector<std::string>& cells) {
  std::string line = "|";
  for (const auto& c : cells)
    line += " " + c + " |";
  std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

inline std::string fmt(double v, const char* f = "%.1f") {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

} // namespace ppp2p::bench
