// Membership in the deterministic simulation: how fast a cluster forms, how fast a crash is
// known to everyone, how often a live member is wrongly declared dead, and what it costs in
// messages, for several sizes and loss rates (LAN defaults, latency 1-10 ms).
//
// Usage: bench_membership_sim [seed=1]
#include <cstdlib>
#include <map>

#include "bench_util.hpp"
#include "ppp2p/net/membership/sim.hpp"

using namespace ppp2p::net;
using namespace ppp2p::net::membership;
using namespace ppp2p::bench;

namespace {

struct Figures {
  double converge_s = -1;
  double detect_p50_s = -1, detect_max_s = -1;
  double false_deaths_per_member_hour = 0;
  double msgs_per_member_s = 0, bytes_per_member_s = 0;
};

Figures run(std::size_t n, double loss, std::uint64_t seed) {
  SimNetwork net({.seed = seed, .latency_min = Millis{1}, .latency_max = Millis{10}, .loss = loss});
  std::map<std::size_t, std::map<std::size_t, Millis>> dead_at; // subject -> observer -> time
  std::size_t false_deaths = 0;
  net.set_observer([&](std::size_t observer, Event e, const Member& m, State) {
    if (e != Event::state_changed || m.state != State::dead)
      return;
    for (std::size_t s = 0; s < net.size(); ++s)
      if (net.id(s) == m.id) {
        if (net.running(s))
          ++false_deaths;
        else
          dead_at[s].emplace(observer, net.now());
      }
  });
  Figures r;
  net.add_cluster(n, Config::lan());
  if (net.run_until([&] { return net.all_known_live(); }, Millis{120000}, Millis{50}))
    r.converge_s = static_cast<double>(net.now().count()) / 1000.0;

  // Quiet period: cost and false positives.
  std::uint64_t msgs0 = net.messages_delivered(), bytes0 = net.bytes_delivered();
  Millis quiet{60000};
  net.run_for(quiet);
  double member_seconds = static_cast<double>(n) * static_cast<double>(quiet.count()) / 1000.0;
  r.msgs_per_member_s = static_cast<double>(net.messages_delivered() - msgs0) / member_seconds;
  r.bytes_per_member_s = static_cast<double>(net.bytes_delivered() - bytes0) / member_seconds;
  r.false_deaths_per_member_hour = static_cast<double>(false_deaths) / (member_seconds / 3600.0);

  // Crashes, one at a time: time until every survivor has declared it dead.
  std::vector<double> detect;
  SplitMix pick(seed * 7919);
  for (int k = 0; k < 5; ++k) {
    std::size_t victim;
    do
      victim = pick.below(n);
    while (!net.running(victim));
    Millis at = net.now();
    net.kill(victim);
    bool all = net.run_until(
        [&] {
          for (std::size_t o = 0; o < n; ++o)
            if (net.running(o) && net.view(o, victim) != State::dead &&
                net.view(o, victim).has_value())
              return false;
          return true;
        },
        Millis{60000}, Millis{10});
    if (all)
      detect.push_back(static_cast<double>((net.now() - at).count()) / 1000.0);
    net.run_for(Millis{2000});
  }
  r.detect_p50_s = percentile(detect, 50);
  r.detect_max_s = percentile(detect, 100);
  return r;
}

} // namespace

int main(int argc, char** argv) {
  std::uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1;
  std::printf("SWIM, LAN defaults, simulated latency 1-10 ms, seed %llu\n\n",
              static_cast<unsigned long long>(seed));
  table_header({"members", "loss", "converge (s)", "crash known to all: p50 / max (s)",
                "false deaths per member-hour", "msgs / member / s", "bytes / member / s"});
  for (std::size_t n : {8, 50, 200, 500}) {
    for (double loss : {0.0, 0.01, 0.05}) {
      Figures r = run(n, loss, seed);
      table_row({std::to_string(n), fmt(loss * 100, "%.0f %%"), fmt(r.converge_s, "%.2f"),
                 fmt(r.detect_p50_s, "%.2f") + " / " + fmt(r.detect_max_s, "%.2f"),
                 fmt(r.false_deaths_per_member_hour, "%.2f"), fmt(r.msgs_per_member_s),
                 fmt(r.bytes_per_member_s, "%.0f")});
    }
  }
  return 0;
}
