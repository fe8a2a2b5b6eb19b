#include "ppp2p/net/error.hpp"

#include <string>
#include <uv.h>

namespace ppp2p::net {
namespace {

struct NetCategory final : std::error_category {
  const char* name() const noexcept override { return "ppp2p.net"; }
  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
    case errc::ok:
      return "success";
#define PPP2P_NET_ERRNO_MSG(name, msg)                                                             \
  case errc::name:                                                                                 \
    return msg;
      PPP2P_NET_ERRNO_MAP(PPP2P_NET_ERRNO_MSG)
#undef PPP2P_NET_ERRNO_MSG
    }
    return "unknown ppp2p.net error " + std::to_string(value);
  }
};

struct UvCategory final : std::error_category {
  const char* name() const noexcept override { return "libuv"; }
  std::string message(int value) const override { return uv_strerror(value); }
  // On Unix a libuv error is a negated errno: it compares equal to std::errc values.
  std::error_condition default_error_condition(int value) const noexcept override {
    if (value < 0 && value > -4096)
      return {-value, std::generic_category()};
    return {value, *this};
  }
};

} // namespace

const std::error_category& net_category() noexcept {
  static const NetCategory category;
  return category;
}

const std::error_category& uv_category() noexcept {
  static const UvCategory category;
  return category;
}

std::string_view errc_name(errc e) noexcept {
  switch (e) {
  case errc::ok:
    return "ok";
#define PPP2P_NET_ERRNO_NAME(name, msg)                                                            \
  case errc::name:                                                                                 \
    return #name;
    PPP2P_NET_ERRNO_MAP(PPP2P_NET_ERRNO_NAME)
#undef PPP2P_NET_ERRNO_NAME
  }
  return "unknown";
}

} // namespace ppp2p::net
