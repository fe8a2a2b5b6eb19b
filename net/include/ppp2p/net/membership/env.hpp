// The world as membership sees it: a clock, timers, a best-effort datagram transport and a
// source of randomness. The protocol is written against these interfaces only, so it runs
// unchanged over libuv and links (uv_env.hpp + the agent) and in a deterministic simulation
// (sim.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "ppp2p/net/bytes.hpp"
#include "ppp2p/net/timer.hpp"

namespace ppp2p::net::membership {

class Clock {
public:
  virtual ~Clock() = default;
  // Monotonic time since an arbitrary origin.
  virtual Millis now() const = 0;
};

using TimerId = std::uint64_t;

class Timers {
public:
  virtual ~Timers() = default;
  // Calls fn once after delay, from the same thread as everything else. Ids are never 0.
  virtual TimerId after(Millis delay, std::function<void()> fn) = 0;
  // Forgets a pending call; unknown or fired ids are ignored.
  virtual void cancel(TimerId id) = 0;
};

class Transport {
public:
  virtual ~Transport() = default;
  // Sends one message to a member's address. Best effort, like a datagram: it may be lost,
  // delayed or reordered relative to messages to other addresses; the protocol copes.
  virtual void send(const std::string& address, Bytes message) = 0;
};

class Random {
public:
  virtual ~Random() = default;
  virtual std::uint64_t next() = 0;
  // Uniform in [0, n); n > 0.
  std::uint64_t below(std::uint64_t n) { return next() % n; }
};

struct Environment {
  Clock& clock;
  Timers& timers;
  Transport& transport;
  Random& random;
};

// splitmix64: small, fast, and the same sequence everywhere for a given seed.
class SplitMix final : public Random {
public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() override {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

private:
  std::uint64_t state_;
};

} // namespace ppp2p::net::membership
