#include "ppp2p/net/membership/uv_env.hpp"

#include <sodium.h>

#include "ppp2p/net/keys.hpp"
#include "ppp2p/net/loop.hpp"

namespace ppp2p::net::membership {

Millis UvClock::now() const {
  return Millis{static_cast<long>(Loop::hrtime_ns() / 1'000'000)};
}

UvTimers::~UvTimers() = default;

TimerId UvTimers::after(Millis delay, std::function<void()> fn) {
  TimerId id = next_++;
  auto timer = std::make_unique<Timer>(loop_);
  timer->start(delay, [this, id, fn = std::move(fn)] {
    // Forget the timer before calling fn, which may schedule or cancel others. (Timer calls a
    // copy of this function object, so destroying the Timer here is safe.)
    auto it = timers_.find(id);
    if (it == timers_.end())
      return;
    std::unique_ptr<Timer> done = std::move(it->second);
    timers_.erase(it);
    fn();
  });
  timers_.emplace(id, std::move(timer));
  return id;
}

void UvTimers::cancel(TimerId id) {
  timers_.erase(id);
}

SplitMix system_seeded_random() {
  crypto_init();
  std::uint64_t seed = 0;
  randombytes_buf(&seed, sizeof seed);
  return SplitMix(seed);
}

} // namespace ppp2p::net::membership
