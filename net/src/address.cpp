#include "ppp2p/net/address.hpp"

#include <charconv>
#include <coroutine>
#include <cstring>
#include <netinet/in.h>
#include <uv.h>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/loop.hpp"

namespace ppp2p::net {

std::string HostPort::to_string() const {
  std::string out;
  if (host.find(':') != std::string::npos)
    out = "[" + host + "]";
  else
    out = host;
  return out + ":" + std::to_string(port);
}

Result<HostPort> parse_host_port(std::string_view text) {
  HostPort hp;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return errc::bad_address;
    hp.host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos)
      return errc::bad_address;
    hp.host = std::string(text.substr(0, colon));
    if (hp.host.find(':') != std::string::npos) // IPv6 needs brackets
      return errc::bad_address;
    port_text = text.substr(colon + 1);
  }
  if (hp.host.empty() || port_text.empty() || port_text.size() > 5)
    return errc::bad_address;
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || end != port_text.data() + port_text.size() || port > 65535)
    return errc::bad_address;
  hp.port = static_cast<std::uint16_t>(port);
  return hp;
}

Result<SocketAddress> SocketAddress::numeric(const HostPort& hp) {
  SocketAddress a;
  if (uv_ip4_addr(hp.host.c_str(), hp.port, reinterpret_cast<sockaddr_in*>(&a.storage_)) == 0)
    return a;
  if (uv_ip6_addr(hp.host.c_str(), hp.port, reinterpret_cast<sockaddr_in6*>(&a.storage_)) == 0)
    return a;
  return errc::bad_address;
}

SocketAddress SocketAddress::from(const sockaddr* sa) {
  SocketAddress a;
  if (sa->sa_family == AF_INET)
    std::memcpy(&a.storage_, sa, sizeof(sockaddr_in));
  else if (sa->sa_family == AF_INET6)
    std::memcpy(&a.storage_, sa, sizeof(sockaddr_in6));
  return a;
}

std::uint16_t SocketAddress::port() const noexcept {
  if (family() == AF_INET)
    return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (family() == AF_INET6)
    return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

std::string SocketAddress::host() const {
  char buf[64] = {};
  if (family() == AF_INET)
    uv_ip4_name(reinterpret_cast<const sockaddr_in*>(&storage_), buf, sizeof buf);
  else if (family() == AF_INET6)
    uv_ip6_name(reinterpret_cast<const sockaddr_in6*>(&storage_), buf, sizeof buf);
  return buf;
}

namespace {

struct ResolveAwaiter {
  Loop& loop;
  const HostPort& hp;
  uv_getaddrinfo_t req{};
  std::coroutine_handle<> handle;
  int status = 0;
  Result<SocketAddress> result = errc::bad_address;

  bool await_ready() const noexcept { return false; }
  bool await_suspend(std::coroutine_handle<> h) {
    handle = h;
    req.data = this;
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int rc =
        uv_getaddrinfo(loop.uv(), &req, &ResolveAwaiter::done, hp.host.c_str(), nullptr, &hints);
    if (rc != 0) {
      result = uv_error(rc);
      return false;
    }
    return true;
  }
  Result<SocketAddress> await_resume() { return std::move(result); }

  static void done(uv_getaddrinfo_t* req, int status, addrinfo* res) {
    auto* self = static_cast<ResolveAwaiter*>(req->data);
    if (status != 0) {
      self->result = uv_error(status);
    } else {
      const addrinfo* pick = nullptr;
      for (const addrinfo* ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
          pick = ai;
          break;
        }
        if (!pick && ai->ai_family == AF_INET6)
          pick = ai;
      }
      if (pick) {
        SocketAddress a = SocketAddress::from(pick->ai_addr);
        if (a.family() == AF_INET)
          reinterpret_cast<sockaddr_in*>(a.get())->sin_port = htons(self->hp.port);
        else
          reinterpret_cast<sockaddr_in6*>(a.get())->sin6_port = htons(self->hp.port);
        self->result = a;
      }
    }
    uv_freeaddrinfo(res);
    self->handle.resume();
  }
};

} // namespace

task<Result<SocketAddress>> resolve(Loop& loop, HostPort hp) {
  if (auto numeric = SocketAddress::numeric(hp))
    co_return numeric;
  co_return co_await ResolveAwaiter{loop, hp};
}

} // namespace ppp2p::net
