#include "router.hpp"

namespace ppp2p::agent::http {

void Router::add(std::string path, std::string content_type, std::function<std::string()> body) {
  routes_[std::move(path)] = Route{std::move(content_type), std::move(body)};
}

Response Router::handle(const Request& request) const {
  auto it = routes_.find(request.path);
  if (it == routes_.end())
    return error_response(404, "no such path; try /, /metrics or /status.json");
  if (request.method != "GET" && request.method != "HEAD") {
    Response r = error_response(405, "only GET and HEAD are served");
    r.allow = "GET, HEAD";
    return r;
  }
  Response r;
  r.content_type = it->second.content_type;
  r.body = it->second.body();
  return r;
}

} // namespace ppp2p::agent::http
