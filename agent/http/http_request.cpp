#include "http_request.hpp"

#include <algorithm>

namespace ppp2p::agent::http {

namespace {

// RFC 9110 token characters (methods and header names).
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
    return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool is_token(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_tchar);
}

// Visible ASCII, no spaces: what a request target may hold.
bool is_target(std::string_view s) {
  return !s.empty() && s.front() == '/' &&
         std::all_of(s.begin(), s.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

ParseResult bad(std::string why) {
  ParseResult r;
  r.outcome = ParseResult::Outcome::bad;
  r.error = std::move(why);
  return r;
}

// One header line: "name: value" with a token name and no control characters but tab.
bool valid_header(std::string_view line) {
  auto colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon)))
    return false;
  return std::none_of(line.begin() + colon + 1, line.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

} // namespace

ParseResult parse_request(std::string_view bytes, std::size_t max_head) {
  auto end = bytes.find("\r\n\r\n");
  std::size_t head_size = end == std::string_view::npos ? bytes.size() : end + 4;
  if (head_size > max_head) {
    ParseResult r;
    r.outcome = ParseResult::Outcome::too_large;
    r.error = "request head larger than " + std::to_string(max_head) + " bytes";
    return r;
  }
  // A request line must start with a method: reject garbage without waiting for more.
  if (!bytes.empty() && !is_tchar(bytes.front()))
    return bad("the request does not start with a method");
  if (end == std::string_view::npos)
    return {};
  std::string_view head = bytes.substr(0, end);
  auto line_end = head.find("\r\n");
  std::string_view line = head.substr(0, line_end);
  auto sp1 = line.find(' ');
  auto sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
    return bad("the request line is not METHOD TARGET VERSION");
  std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view version = line.substr(sp2 + 1);
  if (!is_token(method))
    return bad("the method is not a token");
  if (!is_target(target))
    return bad("the target is not an absolute path");
  if (version != "HTTP/1.1" && version != "HTTP/1.0")
    return bad("unsupported version '" + std::string(version) + "'");
  std::size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto next = head.find("\r\n", pos);
    std::string_view h = head.substr(pos, next == std::string_view::npos ? next : next - pos);
    if (!valid_header(h))
      return bad("malformed header line");
    pos = next == std::string_view::npos ? head.size() : next + 2;
  }
  ParseResult r;
  r.outcome = ParseResult::Outcome::complete;
  r.head_size = head_size;
  r.request.method = std::string(method);
  r.request.path = std::string(target.substr(0, target.find('?')));
  return r;
}

} // namespace ppp2p::agent::http
