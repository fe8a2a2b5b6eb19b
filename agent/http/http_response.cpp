#include "http_response.hpp"

namespace ppp2p::agent::http {

const char* reason_phrase(int status) {
  switch (status) {
  case 200:
    return "OK";
  case 400:
    return "Bad Request";
  case 404:
    return "Not Found";
  case 405:
    return "Method Not Allowed";
  case 408:
    return "Request Timeout";
  case 431:
    return "Request Header Fields Too Large";
  case 500:
    return "Internal Server Error";
  case 503:
    return "Service Unavailable";
  default:
    return "Unknown";
  }
}

Response error_response(int status, const std::string& detail) {
  Response r;
  r.status = status;
  r.body = std::to_string(status) + " " + reason_phrase(status);
  if (!detail.empty())
    r.body += ": " + detail;
  r.body += "\n";
  return r;
}

std::string serialize(const Response& r, bool head_only) {
  std::string out = "HTTP/1.1 " + std::to_string(r.status) + " " + reason_phrase(r.status) + "\r\n";
  out += "Content-Type: " + r.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  if (!r.allow.empty())
    out += "Allow: " + r.allow + "\r\n";
  // The status is live: never from a cache. nosniff: the types above are the ones meant.
  out += "Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n";
  if (!head_only)
    out += r.body;
  return out;
}

} // namespace ppp2p::agent::http
