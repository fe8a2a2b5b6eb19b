// Observability: the agent's HTTP endpoints (--http). It gathers the metrics, keeps the recent
// events and the probes' round trips, and serves / (the dashboard), /metrics and
// /status.json on the agent's loop. Read-only: nothing served changes the agent.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "agent_metrics.hpp"
#include "event_log.hpp"
#include "histogram.hpp"
#include "http_server.hpp"
#include "ppp2p/net/membership/swim.hpp"
#include "ppp2p/net/timer.hpp"
#include "router.hpp"
#include "status_view.hpp"
#include "vc_services.hpp"

namespace ppp2p::agent::http {

class Observability {
public:
  struct Sources {
    const net::membership::Swim& swim;
    const VcServices& vcs;
    std::function<StatusView()> snapshot; // what `ppp2p-runtime status` shows
    unsigned slots;                       // --slots
  };

  Observability(net::Loop& loop, Sources sources);

  // From the agent's membership listeners.
  void on_member_event(net::membership::Event e, const net::membership::Member& m,
                       net::membership::State before);
  void on_probe(const net::membership::MemberId& target, bool acked);

  // Serves at addr; the address bound.
  net::Result<net::SocketAddress> start(const net::SocketAddress& addr);
  net::task<void> stop();

  MetricsSample sample() const;
  // {"status": <status --json>, "events": [...], "now_unix_ms": N}
  std::string status_json() const;

private:
  struct VcCounts {
    std::uint64_t lost = 0, resumed = 0, migrated = 0;
  };
  // Turns changes in the deployments' counters into events (the deployments stay pure).
  void watch_vcs();

  Sources src_;
  Histogram rtt_ = make_rtt_histogram();
  EventLog events_;
  std::map<net::membership::MemberId, std::chrono::steady_clock::time_point> probes_sent_;
  std::map<std::string, VcCounts> vcs_seen_;
  net::Timer vc_watch_;
  Router router_;
  HttpServer server_;
};

// The dashboard page (dashboard.html, embedded at build time).
const char* dashboard_html();

} // namespace ppp2p::agent::http
