// Loop: one libuv event loop. Every handle in net/ belongs to exactly one Loop and is used only
// from the thread that runs it. The header keeps <uv.h> out of the files that include it.
// The first Loop sets SIGPIPE to be ignored: writes to a closed socket report EPIPE instead.
#pragma once

#include <chrono>
#include <cstdint>

struct uv_loop_s;

namespace ppp2p::net {

class Loop {
public:
  Loop();
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;
  // Closes every handle still open, lets their close callbacks run, then closes the loop.
  ~Loop();

  uv_loop_s* uv() const noexcept { return loop_; }

  // Runs until there is nothing left to wait for, or stop() is called.
  void run();
  // Waits for and handles one round of events; returns whether anything is still pending.
  bool run_once();
  // Handles what is ready without waiting; returns whether anything is still pending.
  bool run_nowait();
  // Makes run() return after the current round.
  void stop();

  // The loop's cached monotonic time, in milliseconds since an arbitrary origin.
  std::uint64_t now_ms() const noexcept;
  // A fresher monotonic time, in nanoseconds (uv_hrtime).
  static std::uint64_t hrtime_ns() noexcept;

  // How many handles are open (active or not) that are not yet closed; tests assert 0.
  std::size_t open_handles() const noexcept;

private:
  uv_loop_s* loop_;
};

} // namespace ppp2p::net
