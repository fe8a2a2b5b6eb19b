// The agent's metrics as /metrics exposes them: one sample of every value, gathered by the
// agent (observability.cpp), and its Prometheus text. Names and meanings are listed in the
// README ("Observability"); keep the two in step.
#pragma once

#include <cstdint>
#include <string>

#include "histogram.hpp"

namespace ppp2p::agent::http {

struct MetricsSample {
  // Members known to this agent (itself included) by state.
  std::uint64_t members_alive = 0, members_suspect = 0, members_dead = 0, members_left = 0;
  std::uint64_t slots_total = 0; // VT slots this agent lends (--slots)
  std::uint64_t slots_busy = 0;  // of those, granted to enrolments
  std::uint64_t vts_running = 0; // in this agent's executors
  std::uint64_t vts_queued = 0;  // waiting here: for an executor slot, or for a worker
  std::uint64_t vts_finished = 0;
  std::uint64_t vt_resumes = 0;
  std::uint64_t checkpoint_bytes = 0;
  std::uint64_t membership_sent = 0, membership_received = 0;
  std::uint64_t reliable_sent = 0, reliable_delivered = 0;
  const Histogram* link_rtt = nullptr; // seconds; none: an empty histogram is exposed
};

// The round-trip buckets, in seconds: 100 µs to 2.5 s (loopback to a slow WAN).
Histogram make_rtt_histogram();

std::string format_metrics(const MetricsSample& s);

} // namespace ppp2p::agent::http
