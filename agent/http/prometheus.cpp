#include "prometheus.hpp"

#include <cmath>
#include <cstdio>

namespace ppp2p::agent::http {

std::string format_value(double v) {
  if (std::isnan(v))
    return "NaN";
  if (std::isinf(v))
    return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  // Counters are integers: print them exactly (up to 2^53) rather than in exponent form.
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string escape_label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

std::string escape_help(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

void Exposition::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += escape_help(help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void Exposition::sample(std::string_view name, double value, const Labels& labels) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    for (std::size_t i = 0; i < labels.size(); ++i) {
      if (i)
        out_ += ',';
      out_ += labels[i].first + "=\"" + escape_label_value(labels[i].second) + '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += format_value(value);
  out_ += '\n';
}

void Exposition::histogram(std::string_view name, std::string_view help, const Histogram& h) {
  family(name, "histogram", help);
  std::string bucket = std::string(name) + "_bucket";
  auto cumulative = h.cumulative();
  for (std::size_t i = 0; i < h.bounds().size(); ++i)
    sample(bucket, static_cast<double>(cumulative[i]), {{"le", format_value(h.bounds()[i])}});
  sample(bucket, static_cast<double>(h.count()), {{"le", "+Inf"}});
  sample(std::string(name) + "_sum", h.sum());
  sample(std::string(name) + "_count", static_cast<double>(h.count()));
}

} // namespace ppp2p::agent::http
