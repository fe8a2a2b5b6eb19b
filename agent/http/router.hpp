// Router: the agent's HTTP paths and what answers them. Only GET and HEAD are served; any
// other method on a known path is 405, an unknown path 404.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "http_request.hpp"
#include "http_response.hpp"

namespace ppp2p::agent::http {

class Router {
public:
  // body() is called for each GET or HEAD of path; its result goes out with content_type.
  void add(std::string path, std::string content_type, std::function<std::string()> body);
  Response handle(const Request& request) const;

private:
  struct Route {
    std::string content_type;
    std::function<std::string()> body;
  };
  std::map<std::string, Route, std::less<>> routes_;
};

} // namespace ppp2p::agent::http
