#include "agent.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <map>
#include <spdlog/spdlog.h>

#include "cluster_key_file.hpp"
#include "data_dir.hpp"
#include "http/observability.hpp"
#include "link_transport.hpp"
#include "machine.hpp"
#include "ppp2p/net/async_event.hpp"
#include "ppp2p/net/error.hpp"
#include "ppp2p/net/membership/swim.hpp"
#include "ppp2p/net/membership/uv_env.hpp"
#include "ppp2p/net/peer_links.hpp"
#include "ppp2p/net/signal.hpp"
#include "ppp2p/net/sync_wait.hpp"
#include "status_server.hpp"
#include "vc_services.hpp"

namespace ppp2p::agent {

using namespace ppp2p::net;
namespace ms = ppp2p::net::membership;

namespace {

constexpr const char* kVersion = PPP2P_VERSION;
constexpr Millis kMetaRefresh{5000};
// On SIGTERM, how long the VTs running here may take to reach a site and be captured.
constexpr Millis kLeaveCaptureGrace{3000};

std::string member_name(const ms::Member& m) {
  return m.address + " (" + m.id.short_hex() + ")";
}

void log_event(const PublicKey& self, ms::Event e, const ms::Member& m, ms::State before) {
  using ms::State;
  if (m.id == self) {
    if (e == ms::Event::state_changed && m.state == State::left)
      spdlog::info("announced to the cluster that this agent leaves (incarnation {})",
                   m.incarnation);
    return;
  }
  switch (e) {
  case ms::Event::joined:
    spdlog::info("member {} joined: {} cores, {} slots, speed {:.1f}", member_name(m), m.meta.cores,
                 m.meta.slots, m.meta.speed);
    break;
  case ms::Event::updated:
    spdlog::debug("member {} updated: {} free slots, load {:.2f}", member_name(m),
                  m.meta.free_slots, m.meta.load);
    break;
  case ms::Event::forgotten:
    spdlog::info("member {} forgotten ({} long enough)", member_name(m), ms::state_name(m.state));
    break;
  case ms::Event::state_changed:
    switch (m.state) {
    case State::alive:
      spdlog::info("member {} is alive again (was {})", member_name(m), ms::state_name(before));
      break;
    case State::suspect:
      spdlog::warn("member {} is suspect", member_name(m));
      break;
    case State::dead:
      spdlog::warn("member {} is dead", member_name(m));
      break;
    case State::left:
      spdlog::info("member {} left the cluster", member_name(m));
      break;
    }
    break;
  }
}

bool is_wildcard(const std::string& host) {
  return host == "0.0.0.0" || host == "::";
}

struct Startup {
  Credentials creds;
  ms::Meta meta;
};

// Loads keys and measures the machine; false (after logging why) when that fails.
bool prepare(const RunOptions& o, const DataDir& dir, Startup& out) {
  auto identity = Identity::load_or_create(dir.root());
  if (!identity) {
    spdlog::error("cannot load or create the identity key in {}: {}", dir.root().string(),
                  identity.error().message());
    return false;
  }
  out.creds.identity = *identity;
  if (o.cluster_key_file) {
    auto key = ClusterKey::load(*o.cluster_key_file);
    if (!key) {
      spdlog::error("{}", explain_refused_key_file(*o.cluster_key_file, key.error()));
      return false;
    }
    out.creds.cluster = *key;
  }
  if (o.allow_list_file) {
    auto allowed = load_allow_list(*o.allow_list_file);
    if (!allowed) {
      spdlog::error("cannot use allow list {}: {}", o.allow_list_file->string(),
                    allowed.error().message());
      return false;
    }
    out.creds.allowed = std::move(*allowed);
    spdlog::info("allow list: {} public keys", out.creds.allowed->size());
  }
  unsigned cores = core_count();
  double speed = o.speed ? *o.speed : measure_speed_score();
  spdlog::info("speed score {:.1f} ({}), {} cores", speed, o.speed ? "given" : "measured", cores);
  unsigned slots = o.slots.value_or(cores);
  out.meta = ms::Meta{static_cast<std::uint16_t>(cores), static_cast<std::uint16_t>(slots),
                      static_cast<std::uint16_t>(slots), static_cast<float>(speed),
                      static_cast<float>(load_per_core())};
  return true;
}

StatusView snapshot(const ms::Swim& swim, const PeerLinks& links, const DataDir& dir,
                    const VcServices& vcs, std::chrono::steady_clock::time_point started,
                    Millis now) {
  StatusView v;
  v.version = kVersion;
  v.self_id = swim.self().id.hex();
  v.self_address = swim.self().address;
  v.data_dir = dir.root().string();
  v.uptime_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<Millis>(std::chrono::steady_clock::now() - started).count());
  v.links_out = static_cast<unsigned>(links.outgoing_links());
  v.links_in = static_cast<unsigned>(links.incoming_links());
  v.handshakes_failed = links.stats().handshakes_failed;
  for (auto& [id, m] : swim.members()) {
    v.peers.push_back(
        {id.hex(), m.address, std::string(ms::state_name(m.state)), m.incarnation, m.meta.cores,
         m.meta.slots, m.meta.free_slots, m.meta.speed, m.meta.load, id == swim.self().id,
         static_cast<std::uint64_t>(std::max<long>(0, (now - m.state_since).count()))});
  }
  std::sort(v.peers.begin(), v.peers.end(),
            [](const PeerView& a, const PeerView& b) { return a.address < b.address; });
  add_vc_status(v, vcs.status());
  return v;
}

// Binds the --http server; false (after logging why) when it cannot.
bool start_http(Loop& loop, const std::string& http, http::Observability& observability) {
  auto addr = sync_wait(loop, resolve(loop, parse_host_port(http).value()));
  if (!addr) {
    spdlog::error("cannot resolve --http {}: {}", http, addr.error().message());
    return false;
  }
  auto bound = observability.start(*addr);
  if (!bound) {
    spdlog::error("cannot serve HTTP on {}: {}", http, bound.error().message());
    return false;
  }
  spdlog::info("serving http://{}/ (dashboard), /metrics and /status.json, without "
               "authentication",
               bound->to_string());
  return true;
}

} // namespace

int run_agent(const RunOptions& o) {
  auto started = std::chrono::steady_clock::now();
  std::string error;
  auto dir = DataDir::open(o.data_dir, error);
  if (!dir || !dir->lock(error)) {
    spdlog::error("{}", error);
    return 1;
  }
  Startup st;
  if (!prepare(o, *dir, st))
    return 1;
  spdlog::info("ppp2p-runtime {} starting: id {}, data dir {}", kVersion,
               st.creds.identity.public_key.hex(), dir->root().string());

  Loop loop;
  auto listen_hp = parse_host_port(o.listen).value();
  auto listen_addr = sync_wait(loop, resolve(loop, listen_hp));
  if (!listen_addr) {
    spdlog::error("cannot resolve --listen {}: {}", o.listen, listen_addr.error().message());
    return 1;
  }
  PeerLinks links(loop, st.creds);
  auto bound = links.listen(*listen_addr);
  if (!bound) {
    spdlog::error("cannot listen on {}: {}", o.listen, bound.error().message());
    return 1;
  }
  HostPort advertised = o.advertise ? parse_host_port(*o.advertise).value() : listen_hp;
  if (!o.advertise && is_wildcard(listen_hp.host)) {
    spdlog::error("--listen {} is a wildcard address: say with --advertise HOST:PORT how other "
                  "agents reach this one",
                  o.listen);
    sync_wait(loop, links.shutdown());
    return 1;
  }
  if (advertised.port == 0)
    advertised.port = bound->port();
  std::string self_address = advertised.to_string();
  if (!dir->write_address(self_address, error)) {
    spdlog::error("{}", error);
    sync_wait(loop, links.shutdown());
    return 1;
  }
  spdlog::info("listening on {} (advertised as {})", bound->to_string(), self_address);

  ms::UvClock clock(loop);
  ms::UvTimers timers(loop);
  ms::SplitMix random = ms::system_seeded_random();
  LinkTransport transport(links, Channel::membership);
  // A new run starts its incarnation from the wall clock: above anything an earlier run of
  // this identity can have reached, so that the cluster takes it back after a restart.
  auto wall_ms =
      std::chrono::duration_cast<Millis>(std::chrono::system_clock::now().time_since_epoch());
  ms::Swim swim(ms::Environment{clock, timers, transport, random}, ms::Config::lan(),
                ms::SelfInfo{st.creds.identity.public_key, self_address, st.meta,
                             static_cast<std::uint64_t>(wall_ms.count())});
  std::string vc_error;
  std::unique_ptr<sandbox::ExecutorSandbox> executor_sandbox;
  if (o.sandbox) {
    sandbox::SandboxOptions so;
    so.memory_bytes = o.executor_memory_mib << 20;
    so.processes = o.executor_processes;
    so.read_only = o.sandbox_read_only;
    executor_sandbox = sandbox::ExecutorSandbox::create(std::move(so), vc_error);
    if (!executor_sandbox) {
      spdlog::error("cannot sandbox executors: {}. Install bubblewrap (Debian package "
                    "bubblewrap) where user namespaces are allowed, or run with --no-sandbox "
                    "(executors then run with this agent's rights)",
                    vc_error);
      sync_wait(loop, links.shutdown());
      return 1;
    }
    spdlog::info("{}", executor_sandbox->describe());
  } else {
    spdlog::warn("--no-sandbox: executors run with this agent's user, files, network and "
                 "environment; any member holding the cluster key can run code here with them");
  }
  auto vcs = VcServices::create({loop, links, swim, clock, timers, random}, dir->root(),
                                st.meta.slots, std::move(executor_sandbox), vc_error);
  if (!vcs) {
    spdlog::error("{}", vc_error);
    sync_wait(loop, links.shutdown());
    return 1;
  }
  // --http: metrics, status.json and the dashboard; it watches membership from the start.
  std::unique_ptr<http::Observability> observability;
  if (o.http)
    observability = std::make_unique<http::Observability>(
        loop,
        http::Observability::Sources{
            swim, *vcs, [&] { return snapshot(swim, links, *dir, *vcs, started, clock.now()); },
            st.meta.slots});
  swim.set_listener([self = st.creds.identity.public_key, &vcs,
                     &observability](ms::Event e, const ms::Member& m, ms::State before) {
    log_event(self, e, m, before);
    vcs->on_member_event(e, m);
    if (observability)
      observability->on_member_event(e, m, before);
  });
  if (observability)
    swim.set_probe_listener([&observability](const ms::MemberId& target, bool acked) {
      observability->on_probe(target, acked);
    });
  links.on_receive(Channel::membership,
                   [&](const PublicKey& peer, ByteView body) { swim.on_message(body, &peer); });
  // A flood of bad connections must not flood the log: at most kRefusalsLogged lines per
  // window, then one line that counts the rest.
  struct {
    Millis window_start{0};
    int logged = 0;
    int suppressed = 0;
  } refusals;
  links.on_rejected([&](const std::string& remote, std::error_code ec) {
    constexpr int kRefusalsLogged = 5;
    constexpr Millis kWindow{10000};
    Millis now = clock.now();
    if (now - refusals.window_start >= kWindow) {
      if (refusals.suppressed > 0)
        spdlog::warn("refused {} more connections in the last {} s", refusals.suppressed,
                     (now - refusals.window_start).count() / 1000);
      refusals = {now, 0, 0};
    }
    if (++refusals.logged <= kRefusalsLogged)
      spdlog::warn("refused connection from {}: {}", remote, ec.message());
    else
      ++refusals.suppressed;
  });
  // While we know nobody, say why a seed cannot be reached (once per seed per 10 s).
  std::map<std::string, Millis> seed_warned;
  links.on_link_lost([&](const std::string& address, std::error_code ec) {
    spdlog::debug("link to {} lost: {}", address, ec.message());
    bool seed = std::find(o.join.begin(), o.join.end(), address) != o.join.end();
    if (seed && swim.live_count() <= 1) {
      Millis now = clock.now();
      auto [it, fresh] = seed_warned.try_emplace(address, now);
      if (fresh || now - it->second >= Millis{10000}) {
        it->second = now;
        spdlog::warn("cannot join through {}: {} (retrying)", address, ec.message());
      }
    }
    if (ec == std::errc::connection_refused)
      swim.hint_refused(address); // nothing listens there: its process is gone
    else
      swim.hint_unreachable(address);
    vcs->on_link_lost(address);
  });

  StatusServer status(loop,
                      [&] { return snapshot(swim, links, *dir, *vcs, started, clock.now()); });
  if (auto r = status.start(dir->status_socket().string()); !r) {
    spdlog::error("cannot create the status socket {}: {}{}", dir->status_socket().string(),
                  r.error().message(),
                  r.error() == std::errc::filename_too_long
                      ? " (Unix socket paths are limited to 107 bytes: use a shorter --data-dir)"
                      : "");
    sync_wait(loop, links.shutdown());
    return 1;
  }

  if (auto r = vcs->start(dir->client_socket().string()); !r) {
    spdlog::error("cannot create the client socket {}: {}", dir->client_socket().string(),
                  r.error().message());
    sync_wait(loop, status.stop());
    sync_wait(loop, links.shutdown());
    return 1;
  }
  if (observability && !start_http(loop, *o.http, *observability)) {
    sync_wait(loop, vcs->stop());
    sync_wait(loop, status.stop());
    sync_wait(loop, links.shutdown());
    return 1;
  }

  AsyncEvent stop;
  int signals_seen = 0;
  auto on_signal = [&](int sig) {
    if (++signals_seen == 1) {
      spdlog::info("received {}: leaving the cluster", sig == SIGTERM ? "SIGTERM" : "SIGINT");
      stop.set();
    } else {
      spdlog::warn("second signal: exiting without waiting");
      std::_Exit(1);
    }
  };
  Signal sigterm(loop, SIGTERM, on_signal), sigint(loop, SIGINT, on_signal);

  Timer meta_refresh(loop);
  ms::Meta advertised_meta = st.meta;
  meta_refresh.start(
      kMetaRefresh,
      [&] {
        ms::Meta m = advertised_meta;
        m.load = static_cast<float>(std::round(load_per_core() * 10) / 10);
        if (std::fabs(m.load - advertised_meta.load) >= 0.2f) {
          advertised_meta = m;
          swim.update_meta(m);
        }
      },
      kMetaRefresh);
  vcs->on_free_slots([&](unsigned free) {
    advertised_meta.free_slots = static_cast<std::uint16_t>(free);
    swim.update_meta(advertised_meta);
  });

  for (const std::string& seed : o.join)
    spdlog::info("joining through {}", seed);
  swim.start(o.join);

  auto lifetime = [&]() -> task<void> {
    co_await stop.wait();
    meta_refresh.cancel();
    co_await vcs->leave(kLeaveCaptureGrace);
    swim.leave();
    co_await sleep_for(loop, swim.config().leave_linger);
    swim.stop();
    co_await vcs->stop();
    if (observability)
      co_await observability->stop();
    co_await status.stop();
    co_await links.shutdown();
    sigterm.stop();
    sigint.stop();
  };
  sync_wait(loop, lifetime());
  spdlog::info("left the cluster; exiting");
  return 0;
}

} // namespace ppp2p::agent
