#include "agent_metrics.hpp"

#include "prometheus.hpp"

namespace ppp2p::agent::http {

Histogram make_rtt_histogram() {
  return Histogram(
      {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5});
}

std::string format_metrics(const MetricsSample& s) {
  Exposition e;
  auto d = [](std::uint64_t v) { return static_cast<double>(v); };
  e.family("ppp2p_members", "gauge", "Members this agent knows, itself included, by state.");
  e.sample("ppp2p_members", d(s.members_alive), {{"state", "alive"}});
  e.sample("ppp2p_members", d(s.members_suspect), {{"state", "suspect"}});
  e.sample("ppp2p_members", d(s.members_dead), {{"state", "dead"}});
  e.sample("ppp2p_members", d(s.members_left), {{"state", "left"}});
  e.family("ppp2p_slots_total", "gauge", "VT slots this agent lends to virtual computers.");
  e.sample("ppp2p_slots_total", d(s.slots_total));
  e.family("ppp2p_slots_busy", "gauge", "VT slots of this agent granted to enrolments.");
  e.sample("ppp2p_slots_busy", d(s.slots_busy));
  e.family("ppp2p_vts_running", "gauge", "VTs running in this agent's executors.");
  e.sample("ppp2p_vts_running", d(s.vts_running));
  e.family("ppp2p_vts_queued", "gauge",
           "VTs waiting in this agent: for an executor slot here, or for a worker of a VC it "
           "deploys.");
  e.sample("ppp2p_vts_queued", d(s.vts_queued));
  e.family("ppp2p_vts_finished_total", "counter",
           "VTs that ended in this agent's executors (result or failure).");
  e.sample("ppp2p_vts_finished_total", d(s.vts_finished));
  e.family("ppp2p_vt_resumes_total", "counter",
           "VTs of the VCs this agent deploys resumed (from their newest checkpoint, or their "
           "start) after their worker or executor was lost.");
  e.sample("ppp2p_vt_resumes_total", d(s.vt_resumes));
  e.family("ppp2p_checkpoint_bytes_total", "counter",
           "Checkpoint bytes that workers sent to the VCs this agent deploys.");
  e.sample("ppp2p_checkpoint_bytes_total", d(s.checkpoint_bytes));
  e.family("ppp2p_messages_total", "counter",
           "Messages between agents: membership (SWIM) and reliable (deploy) channels.");
  e.sample("ppp2p_messages_total", d(s.membership_sent),
           {{"channel", "membership"}, {"direction", "sent"}});
  e.sample("ppp2p_messages_total", d(s.membership_received),
           {{"channel", "membership"}, {"direction", "received"}});
  e.sample("ppp2p_messages_total", d(s.reliable_sent),
           {{"channel", "reliable"}, {"direction", "sent"}});
  e.sample("ppp2p_messages_total", d(s.reliable_delivered),
           {{"channel", "reliable"}, {"direction", "received"}});
  static const Histogram empty = make_rtt_histogram();
  e.histogram("ppp2p_link_rtt_seconds",
              "Round trips of membership probes: ping sent to ack received (direct or through "
              "indirect probes).",
              s.link_rtt ? *s.link_rtt : empty);
  return e.text();
}

} // namespace ppp2p::agent::http
