// Addresses: "HOST:PORT" text (what flags, logs and membership carry) and resolved socket
// addresses (what libuv binds and connects to).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <sys/socket.h>

#include "ppp2p/net/result.hpp"
#include "ppp2p/net/task.hpp"

namespace ppp2p::net {

class Loop;

struct HostPort {
  std::string host; // a name, an IPv4 address, or an IPv6 address without brackets
  std::uint16_t port = 0;

  // "host:port", with brackets around an IPv6 host.
  std::string to_string() const;
  friend bool operator==(const HostPort&, const HostPort&) = default;
};

// Parses "host:port" or "[ipv6]:port"; the port must be a decimal number in 0..65535.
Result<HostPort> parse_host_port(std::string_view text);

class SocketAddress {
public:
  SocketAddress() = default;
  // From a numeric IPv4 or IPv6 host; errc::bad_address for anything else.
  static Result<SocketAddress> numeric(const HostPort& hp);
  static SocketAddress from(const sockaddr* sa);

  const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage_); }
  sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage_); }
  int family() const noexcept { return storage_.ss_family; }
  std::uint16_t port() const noexcept;
  std::string host() const;
  HostPort host_port() const { return {host(), port()}; }
  std::string to_string() const { return host_port().to_string(); }

private:
  sockaddr_storage storage_{};
};

// Resolves a host name (numeric hosts resolve without a lookup). Prefers IPv4.
task<Result<SocketAddress>> resolve(Loop& loop, HostPort hp);

} // namespace ppp2p::net
