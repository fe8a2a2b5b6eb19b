// The delegator's choice, as a pure function: which enrolled worker gets the next VT.
//
// A worker with speed s, k slots and n VTs outstanding (running or queued there) finishes a new
// VT after about (floor(n / k) + 1) / s units of work: the waves ahead of it, and its own, at
// its speed. The earliest expected completion wins, so faster workers and workers with free
// slots get more; ties go to the less loaded, then to the earlier enrolled. A worker already
// holding its window (enough to stay busy while results travel back) gets no more: the rest
// waits in the deployer, so that it can still go to whichever worker frees up first.
// A VT resumed from a checkpoint goes only to a free slot: it may be one of a group of VTs that
// wait for each other's messages, and queued behind them it would never run.
//
// Load balancing (choose_move): a worker with a free slot and nothing left to give it takes the
// VT placed earliest (most likely running, not queued there) on the slowest worker at most
// half as fast as itself. Below that ratio a move (capture, transfer, restore) rarely pays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace ppp2p::agent::vc {

struct WorkerLoad {
  double speed = 0;
  unsigned slots = 1;
  std::size_t outstanding = 0;
};

// VTs a worker may hold at once.
inline std::size_t window_of(unsigned slots) {
  return 2 * static_cast<std::size_t>(slots) + 16;
}

inline double expected_completion(const WorkerLoad& w) {
  unsigned k = w.slots ? w.slots : 1;
  double speed = w.speed > 1e-3 ? w.speed : 1e-3;
  return static_cast<double>(w.outstanding / k + 1) / speed;
}

// The index of the worker for the next VT, or nullopt when every window is full (or, with
// free_slot_only, when no worker has a free slot).
inline std::optional<std::size_t> choose_worker(const std::vector<WorkerLoad>& workers,
                                                bool free_slot_only = false) {
  std::optional<std::size_t> best;
  double best_time = 0, best_fill = 0;
  for (std::size_t i = 0; i < workers.size(); ++i) {
    const WorkerLoad& w = workers[i];
    if (w.outstanding >= window_of(w.slots))
      continue;
    if (free_slot_only && w.outstanding >= (w.slots ? w.slots : 1))
      continue;
    double t = expected_completion(w);
    double fill = static_cast<double>(w.outstanding) / (w.slots ? w.slots : 1);
    if (!best || t < best_time || (t == best_time && fill < best_fill)) {
      best = i;
      best_time = t;
      best_fill = fill;
    }
  }
  return best;
}

// A VT placed on a worker (an index into the loads), in placement order.
struct PlacedVt {
  std::size_t worker = 0;
  std::uint64_t placed = 0; // placement sequence number
  std::uint32_t vt = 0;     // which VT, for the caller
};

inline constexpr double kMoveSpeedRatio = 2.0;

// For worker `to`, the index into `placed` of the VT to move there, or nullopt: none is on a
// worker at most 1 / kMoveSpeedRatio as fast, or `to` has no free slot.
inline std::optional<std::size_t> choose_move(const std::vector<WorkerLoad>& workers,
                                              std::size_t to, const std::vector<PlacedVt>& placed) {
  const WorkerLoad& idle = workers.at(to);
  if (idle.outstanding >= (idle.slots ? idle.slots : 1))
    return std::nullopt;
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < placed.size(); ++i) {
    const WorkerLoad& from = workers.at(placed[i].worker);
    if (placed[i].worker == to || from.speed * kMoveSpeedRatio > idle.speed)
      continue;
    if (!best) {
      best = i;
      continue;
    }
    const WorkerLoad& b = workers[placed[*best].worker];
    if (from.speed < b.speed || (from.speed == b.speed && placed[i].placed < placed[*best].placed))
      best = i;
  }
  return best;
}

} // namespace ppp2p::agent::vc
