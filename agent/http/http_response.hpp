// The response side of the agent's HTTP server: a status, a content type and a body, written
// as an HTTP/1.1 message that closes the connection (one request per connection).
#pragma once

#include <string>

namespace ppp2p::agent::http {

struct Response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::string allow; // for 405: the methods the path allows
};

// A plain-text error response whose body repeats the reason, e.g. "404 Not Found\n".
Response error_response(int status, const std::string& detail = {});
const char* reason_phrase(int status);
// The bytes on the wire; head_only (a HEAD request) leaves the body out but keeps its length.
std::string serialize(const Response& r, bool head_only = false);

} // namespace ppp2p::agent::http
