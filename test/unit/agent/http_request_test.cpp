// The HTTP server's request parser and router: good requests, malformed ones (400), heads too
// large (431), unknown paths (404), other methods (405).
#include <gtest/gtest.h>

#include <string>

#include "http_request.hpp"
#include "http_response.hpp"
#include "router.hpp"

using namespace ppp2p::agent::http;
using Outcome = ParseResult::Outcome;

namespace {
constexpr std::size_t kMax = 8192;
}

TEST(HttpRequest, ParsesAGetWithHeadersAndDropsTheQuery) {
  auto r =
      parse_request("GET /metrics?x=1 HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n", kMax);
  ASSERT_EQ(r.outcome, Outcome::complete) << r.error;
  EXPECT_EQ(r.request.method, "GET");
  EXPECT_EQ(r.request.path, "/metrics");
  EXPECT_EQ(r.head_size, 59u);
  auto old = parse_request("HEAD / HTTP/1.0\r\n\r\n", kMax);
  ASSERT_EQ(old.outcome, Outcome::complete);
  EXPECT_EQ(old.request.method, "HEAD");
  EXPECT_EQ(old.request.path, "/");
}

TEST(HttpRequest, WaitsForTheBlankLine) {
  EXPECT_EQ(parse_request("", kMax).outcome, Outcome::incomplete);
  EXPECT_EQ(parse_request("GET / HTTP/1.1\r\nHost: x\r\n", kMax).outcome, Outcome::incomplete);
}

TEST(HttpRequest, MalformedRequestsAreBad) {
  for (const char* text :
       {"\r\n\r\n", "GET\r\n\r\n", "GET /\r\n\r\n", "GET / HTTP/1.1 extra\r\n\r\n",
        "GET relative HTTP/1.1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GET / FTP/1.1\r\n\r\n",
        "G(T / HTTP/1.1\r\n\r\n", "GET /a\x01 HTTP/1.1\r\n\r\n",
        "GET / HTTP/1.1\r\nno colon here\r\n\r\n", "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nX: a\x02z\r\n\r\n"}) {
    auto r = parse_request(text, kMax);
    EXPECT_EQ(r.outcome, Outcome::bad) << text;
    EXPECT_FALSE(r.error.empty()) << text;
  }
  // Binary garbage is refused at its first byte, without waiting for a blank line.
  EXPECT_EQ(parse_request(std::string("\x16\x03\x01", 3), kMax).outcome, Outcome::bad);
}

TEST(HttpRequest, AHeadLargerThanTheLimitIsTooLarge) {
  std::string big = "GET / HTTP/1.1\r\nX: " + std::string(200, 'a');
  EXPECT_EQ(parse_request(big, 100).outcome, Outcome::too_large); // not even complete
  EXPECT_EQ(parse_request(big + "\r\n\r\n", 100).outcome, Outcome::too_large);
  EXPECT_EQ(parse_request(big + "\r\n\r\n", 1000).outcome, Outcome::complete);
}

TEST(HttpRouter, AnswersKnownPathsAndRefusesTheRest) {
  Router router;
  int calls = 0;
  router.add("/metrics", "text/plain", [&] {
    ++calls;
    return std::string("m 1\n");
  });
  auto ok = router.handle({"GET", "/metrics"});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, "m 1\n");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(router.handle({"GET", "/nope"}).status, 404);
  auto post = router.handle({"POST", "/metrics"});
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.allow, "GET, HEAD");
  EXPECT_EQ(calls, 1);
}

TEST(HttpResponse, SerializesStatusLengthAndClose) {
  Response r;
  r.content_type = "application/json";
  r.body = "{}";
  std::string text = serialize(r);
  EXPECT_EQ(text.rfind("HTTP/1.1 200 OK\r\n", 0), 0u);
  EXPECT_NE(text.find("Content-Length: 2\r\n"), std::string::npos);
  EXPECT_NE(text.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(text.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(text.substr(text.size() - 6), "\r\n\r\n{}");
  std::string head = serialize(r, true);
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");
  EXPECT_NE(head.find("Content-Length: 2\r\n"), std::string::npos);
  auto e = serialize(error_response(431, "too big"));
  EXPECT_EQ(e.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0), 0u);
  EXPECT_NE(e.find("431 Request Header Fields Too Large: too big\n"), std::string::npos);
}
