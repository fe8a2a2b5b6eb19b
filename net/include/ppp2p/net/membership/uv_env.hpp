// The real environment for membership: the loop's clock and timers, and randomness seeded
// from the operating system. (The transport is the agent's links: see peer_links.hpp.)
#pragma once

#include <map>
#include <memory>

#include "ppp2p/net/membership/env.hpp"

namespace ppp2p::net {
class Loop;
}

namespace ppp2p::net::membership {

class UvClock final : public Clock {
public:
  explicit UvClock(Loop& loop) : loop_(loop) {}
  Millis now() const override;

private:
  Loop& loop_;
};

class UvTimers final : public Timers {
public:
  explicit UvTimers(Loop& loop) : loop_(loop) {}
  ~UvTimers() override;
  TimerId after(Millis delay, std::function<void()> fn) override;
  void cancel(TimerId id) override;
  std::size_t pending() const noexcept { return timers_.size(); }

private:
  Loop& loop_;
  TimerId next_ = 1;
  std::map<TimerId, std::unique_ptr<Timer>> timers_;
};

// SplitMix seeded from the system's random source.
SplitMix system_seeded_random();

} // namespace ppp2p::net::membership
