// Signal: calls a function on the loop when a POSIX signal arrives (SIGTERM, SIGINT, ...).
#pragma once

#include <functional>

namespace ppp2p::net {

class Loop;

class Signal {
public:
  Signal(Loop& loop, int signum, std::function<void(int)> fn);
  Signal(const Signal&) = delete;
  Signal& operator=(const Signal&) = delete;
  ~Signal();

  // Stops watching; the default disposition of the signal applies again.
  void stop() noexcept;
  // The handle does not keep the loop running by itself (uv_unref).
  void unref() noexcept;

  struct State;

private:
  State* state_;
};

} // namespace ppp2p::net
