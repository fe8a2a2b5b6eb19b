// A deterministic world for protocol tests: a virtual clock, one event queue, per-node timers
// that a crash silences, and a seeded random source. The same seed replays the same run.
// (The SWIM simulation has its own, older copy of the event queue in net/membership/sim.hpp.)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <unordered_set>
#include <vector>

#include "ppp2p/net/membership/env.hpp"

namespace ppp2p::testing {

using net::Millis;

class SimWorld {
public:
  explicit SimWorld(std::uint64_t seed) : random_(seed) {}

  Millis now() const noexcept { return now_; }
  net::membership::SplitMix& random() noexcept { return random_; }

  void at(Millis when, std::function<void()> fn) {
    queue_.push(Event{std::max(when, now_), next_seq_++, std::move(fn)});
  }

  // Runs events until the clock reaches now() + d.
  void run_for(Millis d) {
    Millis end = now_ + d;
    while (!queue_.empty() && queue_.top().when <= end)
      step();
    now_ = end;
  }

  // Runs until pred() holds (checked after every event) or `limit` of virtual time passes.
  bool run_until(const std::function<bool()>& pred, Millis limit) {
    Millis end = now_ + limit;
    while (!pred()) {
      if (queue_.empty() || queue_.top().when > end) {
        now_ = end;
        return pred();
      }
      step();
    }
    return true;
  }

  std::size_t pending() const noexcept { return queue_.size(); }

private:
  struct Event {
    Millis when;
    std::uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Event& o) const { return when != o.when ? when > o.when : seq > o.seq; }
  };

  void step() {
    // Moving out of the top is safe: it is popped right after.
    Event e = std::move(const_cast<Event&>(queue_.top()));
    queue_.pop();
    now_ = e.when;
    e.fn();
  }

  Millis now_{0};
  std::uint64_t next_seq_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue_;
  net::membership::SplitMix random_;
};

// The clock and timers of one simulated node. kill() cancels everything it scheduled, so a
// crashed node's timers never fire.
class SimClock final : public net::membership::Clock, public net::membership::Timers {
public:
  explicit SimClock(SimWorld& world) : world_(world), alive_(std::make_shared<bool>(true)) {}
  ~SimClock() override { kill(); }

  Millis now() const override { return world_.now(); }

  net::membership::TimerId after(Millis delay, std::function<void()> fn) override {
    net::membership::TimerId id = next_++;
    live_.insert(id);
    world_.at(world_.now() + delay, [this, alive = alive_, id, fn = std::move(fn)] {
      if (*alive && live_.erase(id))
        fn();
    });
    return id;
  }
  void cancel(net::membership::TimerId id) override { live_.erase(id); }

  void kill() {
    *alive_ = false;
    live_.clear();
  }
  std::size_t pending() const noexcept { return live_.size(); }

private:
  SimWorld& world_;
  std::shared_ptr<bool> alive_;
  std::unordered_set<net::membership::TimerId> live_;
  net::membership::TimerId next_ = 1;
};

} // namespace ppp2p::testing
