#include "observability.hpp"

#include <chrono>

#include "prometheus.hpp"

namespace ppp2p::agent::http {

namespace ms = ppp2p::net::membership;
using namespace ppp2p::net;

namespace {
// How often the deployments' counters are compared with what was last seen, for the events.
constexpr Millis kVcWatchInterval{500};
} // namespace

Observability::Observability(Loop& loop, Sources sources)
    : src_(std::move(sources)), vc_watch_(loop), server_(loop, router_) {
  router_.add("/", "text/html; charset=utf-8", [] { return std::string(dashboard_html()); });
  router_.add("/metrics", kPrometheusContentType, [this] { return format_metrics(sample()); });
  router_.add("/status.json", "application/json", [this] { return status_json(); });
}

void Observability::on_member_event(ms::Event e, const ms::Member& m, ms::State before) {
  if (m.id == src_.swim.self().id)
    return;
  if (e == ms::Event::joined) {
    events_.add("member_joined", m.address, std::string(ms::state_name(m.state)));
  } else if (e == ms::Event::state_changed) {
    std::string detail = "was " + std::string(ms::state_name(before));
    events_.add("member_" + std::string(ms::state_name(m.state)), m.address, detail);
    if (m.state != ms::State::alive)
      probes_sent_.erase(m.id);
  }
}

void Observability::on_probe(const ms::MemberId& target, bool acked) {
  auto now = std::chrono::steady_clock::now();
  if (!acked) {
    probes_sent_[target] = now;
    return;
  }
  auto it = probes_sent_.find(target);
  if (it == probes_sent_.end())
    return;
  rtt_.observe(std::chrono::duration<double>(now - it->second).count());
  probes_sent_.erase(it);
}

Result<SocketAddress> Observability::start(const SocketAddress& addr) {
  auto bound = server_.start(addr);
  if (bound)
    vc_watch_.start(
        kVcWatchInterval, [this] { watch_vcs(); }, kVcWatchInterval);
  return bound;
}

task<void> Observability::stop() {
  vc_watch_.cancel();
  co_await server_.stop();
}

void Observability::watch_vcs() {
  StatusView view; // only its VCs, as `status` shows them (ids in hex)
  add_vc_status(view, src_.vcs.status());
  std::map<std::string, VcCounts> now;
  for (const VcView& v : view.vcs) {
    VcCounts c{v.lost, v.resumed, v.migrated};
    auto seen = vcs_seen_.find(v.id);
    if (seen == vcs_seen_.end()) {
      events_.add("vc_created", v.id,
                  "module " + v.module.substr(0, 12) + ", quota " + std::to_string(v.quota));
      seen = vcs_seen_.emplace(v.id, VcCounts{}).first;
    }
    auto report = [&](const char* kind, std::uint64_t was, std::uint64_t is, const char* what) {
      if (is > was)
        events_.add(kind, v.id, std::to_string(is - was) + " VT(s) " + what);
    };
    report("vt_lost", seen->second.lost, c.lost, "lost");
    report("vt_resumed", seen->second.resumed, c.resumed, "resumed");
    report("vt_migrated", seen->second.migrated, c.migrated, "migrated");
    now[v.id] = c;
  }
  for (const auto& [id, c] : vcs_seen_)
    if (!now.contains(id))
      events_.add("vc_released", id);
  vcs_seen_ = std::move(now);
}

MetricsSample Observability::sample() const {
  MetricsSample s;
  for (const auto& [id, m] : src_.swim.members()) {
    switch (m.state) {
    case ms::State::alive:
      ++s.members_alive;
      break;
    case ms::State::suspect:
      ++s.members_suspect;
      break;
    case ms::State::dead:
      ++s.members_dead;
      break;
    case ms::State::left:
      ++s.members_left;
      break;
    }
  }
  VcStatus vc = src_.vcs.status();
  s.slots_total = src_.slots;
  s.slots_busy = src_.slots > vc.free_slots ? src_.slots - vc.free_slots : 0;
  for (const vc::EnrolmentStatus& e : vc.enrolments) {
    s.vts_running += e.running;
    s.vts_queued += e.queued;
  }
  for (const vc::DeploymentStatus& d : vc.deployments)
    s.vts_queued += d.queued;
  s.vts_finished = vc.vts_finished;
  s.vt_resumes = vc.totals.resumed;
  s.checkpoint_bytes = vc.totals.checkpoint_bytes;
  s.membership_sent = src_.swim.stats().messages_sent;
  s.membership_received = src_.swim.stats().messages_received;
  s.reliable_sent = vc.reliable.messages_sent;
  s.reliable_delivered = vc.reliable.messages_delivered;
  s.link_rtt = &rtt_;
  return s;
}

std::string Observability::status_json() const {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return "{\"status\": " + agent::status_json(src_.snapshot()) + ", \"events\": " + events_.json() +
         ",\n \"now_unix_ms\": " + std::to_string(now.count()) + "}\n";
}

} // namespace ppp2p::agent::http
