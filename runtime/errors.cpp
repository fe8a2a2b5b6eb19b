#include <ppp2p/errors.hpp>

namespace ppp2p {

const char* error_name(errc code) noexcept {
  switch (code) {
#define PPP2P_ERRC_NAME(code, message)                                                             \
  case errc::code:                                                                                 \
    return #code;
    PPP2P_ERROR_MAP(PPP2P_ERRC_NAME)
#undef PPP2P_ERRC_NAME
  }
  return "unknown_error";
}

const char* error_message(errc code) noexcept {
  switch (code) {
#define PPP2P_ERRC_MESSAGE(code, message)                                                          \
  case errc::code:                                                                                 \
    return message;
    PPP2P_ERROR_MAP(PPP2P_ERRC_MESSAGE)
#undef PPP2P_ERRC_MESSAGE
  }
  return "unknown error";
}

error::error(errc code, const std::string& detail)
    : std::runtime_error(detail.empty() ? std::string(error_message(code))
                                        : std::string(error_message(code)) + ": " + detail),
      code_(code) {}

} // namespace ppp2p
