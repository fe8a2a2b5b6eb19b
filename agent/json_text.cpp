#include "json_text.hpp"

#include <cstdio>

namespace ppp2p::agent {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  return out + "\"";
}

std::string json_number(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", d);
  return buf;
}

} // namespace ppp2p::agent
