#include "event_log.hpp"

#include <chrono>

#include "json_text.hpp"

namespace ppp2p::agent::http {

void EventLog::add(std::string kind, std::string subject, std::string detail) {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  add(LoggedEvent{now.count(), std::move(kind), std::move(subject), std::move(detail)});
}

void EventLog::add(LoggedEvent e) {
  if (capacity_ == 0)
    return;
  if (events_.size() == capacity_)
    events_.pop_front();
  events_.push_back(std::move(e));
  ++total_;
}

std::string EventLog::json() const {
  std::string out = "[";
  for (std::size_t i = 0; i < events_.size(); ++i) {
    const LoggedEvent& e = events_[i];
    out += i ? ",\n  " : "\n  ";
    out += "{\"unix_ms\": " + std::to_string(e.unix_ms) + ", \"kind\": " + json_string(e.kind) +
           ", \"subject\": " + json_string(e.subject) + ", \"detail\": " + json_string(e.detail) +
           "}";
  }
  return out + (events_.empty() ? "]" : "\n ]");
}

} // namespace ppp2p::agent::http
