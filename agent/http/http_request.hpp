// The request side of the agent's small HTTP/1.1 server: parsing one GET request head out of
// the bytes received so far. Pure (no sockets), so that hostile input is unit-tested.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ppp2p::agent::http {

struct Request {
  std::string method; // as sent: GET, HEAD, POST, ...
  std::string path;   // the target without its query string, e.g. /metrics
};

struct ParseResult {
  enum class Outcome {
    incomplete, // no blank line yet: read more
    complete,   // request holds the request line's method and path
    bad,        // malformed: answer 400
    too_large,  // the head exceeds the limit without ending: answer 431
  };
  Outcome outcome = Outcome::incomplete;
  Request request;
  std::string error;         // why, for bad and too_large
  std::size_t head_size = 0; // complete: the bytes of the head, blank line included
};

// Parses the head (request line and header lines, up to the blank line) at the start of
// bytes. A head longer than max_head bytes is too_large, whether complete or not. Bodies are
// not read: the server answers and closes.
ParseResult parse_request(std::string_view bytes, std::size_t max_head);

} // namespace ppp2p::agent::http
