// JSON text helpers shared by `status --json` and the HTTP /status.json.
#pragma once

#include <string>

namespace ppp2p::agent {

// s as a JSON string literal, quotes included; control characters escaped.
std::string json_string(const std::string& s);
// d with three decimals (speeds, loads).
std::string json_number(double d);

} // namespace ppp2p::agent
