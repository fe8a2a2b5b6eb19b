// EventLog: the agent's recent events for the dashboard (members joining, suspected, dead;
// VTs lost, resumed, migrated), a bounded ring: the oldest goes when it is full.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace ppp2p::agent::http {

struct LoggedEvent {
  std::int64_t unix_ms = 0; // wall clock, for people
  std::string kind;         // member_joined, member_suspect, vt_lost, ...
  std::string subject;      // a member's address, or a VC id
  std::string detail;
};

class EventLog {
public:
  explicit EventLog(std::size_t capacity = 100) : capacity_(capacity) {}

  // Adds an event stamped with the wall clock now.
  void add(std::string kind, std::string subject, std::string detail = {});
  void add(LoggedEvent e);

  const std::deque<LoggedEvent>& events() const noexcept { return events_; }
  // Events ever added (the ring keeps the last `capacity`).
  std::uint64_t total() const noexcept { return total_; }
  // [{"unix_ms": ..., "kind": ..., "subject": ..., "detail": ...}, ...], oldest first.
  std::string json() const;

private:
  std::size_t capacity_;
  std::deque<LoggedEvent> events_;
  std::uint64_t total_ = 0;
};

} // namespace ppp2p::agent::http
