#include "vc_services.hpp"

#include <cstdio>
#include <utility>

#include "ppp2p/net/async_event.hpp"
#include <spdlog/spdlog.h>

namespace ppp2p::agent {

namespace ms = ppp2p::net::membership;

namespace {
std::string vc_hex(vc::VcId id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return buf;
}
} // namespace

void add_vc_status(StatusView& v, const VcStatus& s) {
  for (const vc::DeploymentStatus& d : s.deployments)
    v.vcs.push_back({vc_hex(d.vc), d.module, d.quota, d.workers, d.enrolling, d.queued, d.placed,
                     d.spawned, d.finished, d.resumed, d.migrated, d.lost});
  for (const vc::EnrolmentStatus& e : s.enrolments)
    v.enrolments.push_back({e.deployer, vc_hex(e.vc), e.module, e.state, e.slots, e.queued,
                            e.running, e.executor_pid, e.finished, e.executor_starts});
  v.modules_cached = s.modules_cached;
  v.modules_fetched = s.modules_fetched;
  v.module_bytes_fetched = s.module_bytes_fetched;
  v.free_slots = s.free_slots;
  v.vts_finished = s.vts_finished;
  v.replicas_kept = s.replicas_kept;
  v.replica_bytes = s.replica_bytes;
}

// The cluster as this agent's membership sees it: alive members, itself included.
class VcServices::View final : public vc::ClusterView {
public:
  explicit View(const ms::Swim& swim) : swim_(swim) {}
  std::vector<vc::Candidate> live_members() const override {
    std::vector<vc::Candidate> out;
    for (const auto& [id, m] : swim_.members())
      if (m.state == ms::State::alive)
        out.push_back({m.address, m.meta.speed, m.meta.free_slots});
    return out;
  }

private:
  const ms::Swim& swim_;
};

std::unique_ptr<VcServices>
VcServices::create(Environment env, const std::filesystem::path& data_dir, unsigned slots,
                   std::unique_ptr<sandbox::ExecutorSandbox> sandbox, std::string& error) {
  auto modules = vc::FileModuleStore::open(data_dir, error);
  if (!modules)
    return nullptr;
  return std::unique_ptr<VcServices>(
      new VcServices(env, std::move(modules), slots, std::move(sandbox)));
}

VcServices::VcServices(Environment env, std::unique_ptr<vc::FileModuleStore> modules,
                       unsigned slots, std::unique_ptr<sandbox::ExecutorSandbox> sandbox)
    : env_(env), transport_(env.links, net::Channel::reliable),
      messenger_(ms::Environment{env.clock, env.timers, transport_, env.random},
                 env.swim.self().address),
      view_(std::make_unique<View>(env.swim)), modules_(std::move(modules)),
      executors_(env.loop, std::move(sandbox)) {
  vc::VcEnvironment venv{env.clock, env.timers, env.random, messenger_,
                         *view_,    *modules_,  executors_};
  node_ = std::make_unique<vc::VcNode>(venv, vc::WorkerConfig{slots});
  env.links.on_receive(net::Channel::reliable,
                       [this](const net::PublicKey& peer, net::ByteView body) {
                         // Streams are kept by address; a sender membership does not know yet sends
                         // again later.
                         if (const ms::Member* m = env_.swim.find(peer))
                           messenger_.on_frame(m->address, body);
                       });
  clients_ = std::make_unique<vc::ClientServer>(
      env.loop, *node_, *modules_, [](const std::string& line) { spdlog::info("{}", line); });
}

VcServices::~VcServices() {
  env_.links.on_receive(net::Channel::reliable, nullptr);
}

net::Result<void> VcServices::start(const std::string& client_socket) {
  return clients_->start(client_socket);
}

void VcServices::on_free_slots(std::function<void(unsigned)> f) {
  node_->worker().on_free_slots_changed(std::move(f));
}

void VcServices::on_member_event(ms::Event e, const ms::Member& m) {
  if (m.id == env_.swim.self().id || !node_)
    return;
  if (e == ms::Event::state_changed && (m.state == ms::State::dead || m.state == ms::State::left)) {
    node_->on_member_gone(m.address, m.state == ms::State::dead ? "died" : "left the cluster");
    messenger_.forget(m.address);
    addresses_.erase(m.id);
    return;
  }
  if (e == ms::Event::forgotten) {
    addresses_.erase(m.id);
    return;
  }
  // A member that restarted on another address before anyone declared it dead: membership
  // only updates its address, but what ran at the old one is gone (the reliable messenger
  // notices restarts on the same address by their new epoch).
  auto [known, added] = addresses_.try_emplace(m.id, m.address);
  if (!added && known->second != m.address) {
    std::string old = std::exchange(known->second, m.address);
    node_->on_member_gone(old, "restarted at " + m.address);
    messenger_.forget(old);
  }
  if (e == ms::Event::joined || e == ms::Event::updated ||
      (e == ms::Event::state_changed && m.state == ms::State::alive))
    node_->on_cluster_changed();
}

net::task<void> VcServices::leave(net::Millis grace) {
  net::AsyncEvent captured;
  node_->worker().capture_for_leave(grace, [&captured] { captured.set(); });
  co_await captured.wait();
  node_->shutdown("its agent is leaving the cluster");
}

net::task<void> VcServices::stop() {
  co_await clients_->stop();
  node_.reset(); // stops every executor
  messenger_.stop();
  co_await executors_.stop();
}

VcStatus VcServices::status() const {
  VcStatus s;
  if (node_) {
    s.deployments = node_->deployments();
    s.enrolments = node_->worker().status();
    s.modules_fetched = node_->worker().fetcher().modules_fetched();
    s.module_bytes_fetched = node_->worker().fetcher().bytes_fetched();
    s.free_slots = node_->worker().free_slots();
    s.vts_finished = node_->worker().vts_finished();
    s.replicas_kept = node_->worker().replicas_kept();
    s.replica_bytes = node_->worker().replica_bytes();
    s.totals = node_->deployment_totals();
  }
  s.reliable = messenger_.stats();
  s.modules_cached = modules_->cached();
  return s;
}

} // namespace ppp2p::agent
