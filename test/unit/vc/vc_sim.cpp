#include "vc_sim.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <set>

#include "sha256.hpp"

namespace ppp2p::agent::vc::sim {

std::vector<std::byte> args_of(const Program& p) {
  std::vector<std::byte> out(13);
  out[0] = static_cast<std::byte>(p.op);
  std::memcpy(out.data() + 1, &p.work_ms, 4);
  std::memcpy(out.data() + 5, &p.value, 4);
  std::memcpy(out.data() + 9, &p.partials, 4);
  return out;
}

namespace {

Program program_of(const std::vector<std::byte>& args) {
  Program p;
  if (args.size() != 13)
    return p;
  p.op = static_cast<Op>(args[0]);
  std::memcpy(&p.work_ms, args.data() + 1, 4);
  std::memcpy(&p.value, args.data() + 5, 4);
  std::memcpy(&p.partials, args.data() + 9, 4);
  return p;
}

} // namespace

std::vector<std::byte> u32(std::uint32_t v) {
  std::vector<std::byte> out(4);
  std::memcpy(out.data(), &v, 4);
  return out;
}

std::uint32_t result_of(const VtEvent& e) {
  std::uint32_t v = 0;
  if (e.value.size() == 4)
    std::memcpy(&v, e.value.data(), 4);
  return v;
}

// ---- modules

std::optional<std::string> MemoryModules::path_of(const ModuleHash& hash) {
  if (!stored.count(hash))
    return std::nullopt;
  return "mem:" + hex(hash);
}

std::optional<std::uint64_t> MemoryModules::size_of(const ModuleHash& hash) {
  auto it = stored.find(hash);
  if (it == stored.end())
    return std::nullopt;
  return it->second.size();
}

bool MemoryModules::read(const ModuleHash& hash, std::uint64_t offset, std::uint32_t length,
                         net::Bytes& out, std::string& error) {
  auto it = stored.find(hash);
  if (it == stored.end() || offset + length > it->second.size()) {
    error = "no such bytes";
    return false;
  }
  out.assign(it->second.begin() + static_cast<long>(offset),
             it->second.begin() + static_cast<long>(offset + length));
  if (tamper && !out.empty())
    out[0] ^= 1;
  return true;
}

namespace {
class MemoryWriter final : public ModuleWriter {
public:
  MemoryWriter(MemoryModules& store, ModuleHash hash, std::uint64_t size)
      : store_(store), hash_(hash), bytes_(size) {}
  bool write(std::uint64_t offset, net::ByteView bytes, std::string& error) override {
    if (offset + bytes.size() > bytes_.size()) {
      error = "write past the module's end";
      return false;
    }
    std::memcpy(bytes_.data() + offset, bytes.data(), bytes.size());
    return true;
  }
  bool commit(std::string& error) override {
    ModuleHash got = sha256(bytes_);
    if (got != hash_) {
      error =
          "module hash mismatch: received bytes hash to " + hex(got) + ", expected " + hex(hash_);
      return false;
    }
    store_.put(hash_, std::move(bytes_));
    return true;
  }

private:
  MemoryModules& store_;
  ModuleHash hash_;
  net::Bytes bytes_;
};
} // namespace

std::unique_ptr<ModuleWriter> MemoryModules::create(const ModuleHash& hash, std::uint64_t size,
                                                    std::string&) {
  return std::make_unique<MemoryWriter>(*this, hash, size);
}

// ---- executors

class SimExecutor final : public Executor {
public:
  SimExecutor(SimExecutors& f, ExecutorCallbacks cb, int pid, unsigned slots)
      : f_(f), cb_(std::move(cb)), pid_(pid), slots_(slots ? slots : 1),
        alive_(std::make_shared<bool>(true)) {
    ++f_.live;
    later(Millis{5}, [this] {
      if (f_.fail_start) {
        die("executor exited with status 1");
        return;
      }
      cb_.started();
    });
  }
  ~SimExecutor() override {
    *alive_ = false;
    f_.running -= vts_.size();
    --f_.live;
  }

  // Like the real executor: slots VTs at once, the others wait in it.
  void run(const SpawnRequest& r) override {
    if (vts_.size() - blocked_.size() >= slots_ || !resuming_.empty()) {
      waiting_.push_back(r);
      return;
    }
    begin(r);
  }

  void begin(const SpawnRequest& r) {
    ++f_.runs;
    if (r.snapshot)
      f_.resumed.emplace_back(r.vt, *r.snapshot);
    ++f_.running;
    f_.max_running = std::max(f_.max_running, f_.running);
    vts_.insert(r.vt);
    f_.max_unblocked = std::max(f_.max_unblocked, vts_.size() - blocked_.size());
    Program p = program_of(r.args);
    if (p.op == Op::barrier) {
      ++f_.barrier_arrived;
      block(r.vt, p);
      return;
    }
    auto duration =
        Millis{std::max<long>(1, static_cast<long>(p.work_ms * 100.0 / f_.speed_ + 0.5))};
    VtNumber vt = r.vt;
    for (std::uint32_t k = 1; k <= p.partials; ++k)
      later(duration * k / (p.partials + 1), [this, vt, k] {
        if (vts_.count(vt)) {
          VtEvent e;
          e.kind = VtEvent::Kind::partial;
          e.vt = vt;
          e.type = "j";
          e.value = u32(k);
          cb_.event(std::move(e));
        }
      });
    if (p.op == Op::until_cancelled)
      return;
    later(duration, [this, vt, p] {
      if (!vts_.count(vt))
        return;
      if (p.op == Op::crash) {
        die("executor killed by signal 11 (Segmentation fault)");
        return;
      }
      VtEvent e;
      e.vt = vt;
      if (p.op == Op::throws) {
        e.kind = VtEvent::Kind::failure;
        e.failure = VtEvent::Failure::exception;
        e.type = "std::runtime_error";
        e.what = "boom " + std::to_string(p.value);
      } else {
        e.value = u32(p.value * 2);
      }
      finish(vt);
      cb_.event(std::move(e));
    });
  }

  void cancel(VtNumber vt) override {
    later(Millis{1}, [this, vt] {
      auto w = std::find_if(waiting_.begin(), waiting_.end(),
                            [&](const SpawnRequest& r) { return r.vt == vt; });
      if (w != waiting_.end()) {
        waiting_.erase(w);
        cb_.event(failure_event(vt, VtEvent::Failure::cancelled, "cancelled before it started"));
        return;
      }
      if (!vts_.count(vt))
        return;
      finish(vt);
      cb_.event(failure_event(vt, VtEvent::Failure::cancelled, "cancelled"));
    });
  }

  // Echoes each frame back as a message-frame event; a capture reports how many it echoed.
  void to_vt(VtNumber vt, const std::vector<std::byte>& frame) override {
    if (!holds(vt)) {
      ++f_.frames_for_unknown;
      return;
    }
    ++echoed_[vt];
    later(Millis{1}, [this, vt, frame] {
      VtEvent e;
      e.kind = VtEvent::Kind::message_frame;
      e.vt = vt;
      e.value = frame;
      cb_.event(std::move(e));
    });
  }
  void capture(VtNumber vt) override {
    if (!holds(vt)) {
      ++f_.frames_for_unknown;
      return;
    }
    later(Millis{1}, [this, vt, effect = echoed_[vt]] {
      VtEvent e;
      e.kind = VtEvent::Kind::checkpoint;
      e.vt = vt;
      e.effect = effect;
      e.value = u32(1000 + vt); // the "snapshot"
      cb_.event(std::move(e));
    });
  }

  int pid() const override { return pid_; }

private:
  bool holds(VtNumber vt) const {
    return vts_.count(vt) || std::any_of(waiting_.begin(), waiting_.end(),
                                         [&](const SpawnRequest& r) { return r.vt == vt; });
  }
  void later(Millis d, std::function<void()> fn) {
    f_.world_.at(f_.world_.now() + d, [alive = alive_, this, fn = std::move(fn)] {
      if (*alive && !dead_)
        fn();
    });
  }
  // Like a VT blocked in receive: it reports it, lends its slot, and polls for the barrier.
  void block(VtNumber vt, Program p) {
    blocked_.insert(vt);
    cb_.event(VtEvent{VtEvent::Kind::blocked, {}, vt, {}, 0, {}, {}, {}});
    start_waiting();
    wait_for_barrier(vt, p);
  }
  void wait_for_barrier(VtNumber vt, Program p) {
    later(Millis{1}, [this, vt, p] {
      if (!vts_.count(vt))
        return;
      if (f_.barrier_arrived < p.value) {
        wait_for_barrier(vt, p);
        return;
      }
      resuming_.emplace_back(vt, p); // waits for a slot, ahead of VTs not yet begun
      resume_waiting();
    });
  }
  void resume_waiting() {
    while (!resuming_.empty() && vts_.size() - blocked_.size() < slots_) {
      auto [vt, p] = resuming_.front();
      resuming_.pop_front();
      if (!vts_.count(vt))
        continue; // cancelled while it waited
      blocked_.erase(vt);
      f_.max_unblocked = std::max(f_.max_unblocked, vts_.size() - blocked_.size());
      cb_.event(VtEvent{VtEvent::Kind::unblocked, {}, vt, {}, 0, {}, {}, {}});
      later(Millis{std::max<long>(1, static_cast<long>(p.work_ms * 100.0 / f_.speed_ + 0.5))},
            [this, vt, p] {
              if (!vts_.count(vt))
                return;
              finish(vt);
              VtEvent e;
              e.vt = vt;
              e.value = u32(p.value * 2);
              cb_.event(std::move(e));
            });
    }
  }
  void start_waiting() {
    resume_waiting();
    while (!waiting_.empty() && resuming_.empty() && vts_.size() - blocked_.size() < slots_) {
      SpawnRequest next = std::move(waiting_.front());
      waiting_.pop_front();
      begin(next);
    }
  }
  void finish(VtNumber vt) {
    vts_.erase(vt);
    blocked_.erase(vt);
    --f_.running;
    start_waiting();
  }
  void die(const std::string& why) {
    dead_ = true;
    f_.running -= vts_.size();
    vts_.clear();
    blocked_.clear();
    resuming_.clear();
    cb_.exited({why, false});
  }

  SimExecutors& f_;
  ExecutorCallbacks cb_;
  int pid_;
  unsigned slots_;
  std::deque<SpawnRequest> waiting_;
  std::shared_ptr<bool> alive_;
  bool dead_ = false;
  std::set<VtNumber> vts_;
  std::set<VtNumber> blocked_;                        // of vts_
  std::deque<std::pair<VtNumber, Program>> resuming_; // blocked VTs whose barrier passed
  std::map<VtNumber, std::uint64_t> echoed_;
};

std::unique_ptr<Executor> SimExecutors::start(const ExecutorSpec& spec, ExecutorCallbacks cb,
                                              ExecutorStartError&) {
  ++starts;
  return std::make_unique<SimExecutor>(*this, std::move(cb), static_cast<int>(1000 + starts),
                                       spec.slots);
}

// ---- cluster

class Cluster::View final : public ClusterView {
public:
  explicit View(std::vector<std::unique_ptr<Node>>& nodes) : nodes_(nodes) {}
  std::vector<Candidate> live_members() const override {
    std::vector<Candidate> out;
    for (const auto& n : nodes_)
      if (n->alive)
        out.push_back({n->address, n->speed, n->advertised_free});
    return out;
  }

private:
  std::vector<std::unique_ptr<Node>>& nodes_;
};

Cluster::Cluster(std::uint64_t seed) : world(seed), links(world) {}

Cluster::~Cluster() {
  for (auto& n : nodes_) {
    n->vc.reset();
    n->messenger->stop();
    n->clock->kill();
  }
}

std::size_t Cluster::add(NodeOptions options) {
  auto n = std::make_unique<Node>();
  std::size_t i = nodes_.size();
  n->address = "10.0.1." + std::to_string(i + 1) + ":7946";
  links.add(n->address);
  n->speed = options.speed;
  n->advertised_free = options.slots;
  n->clock = std::make_unique<SimClock>(world);
  n->random = std::make_unique<net::membership::SplitMix>(world.random().next());
  n->messenger = std::make_unique<net::reliable::Messenger>(
      net::membership::Environment{*n->clock, *n->clock, links.transport(i), *n->random},
      n->address);
  links.set_receiver(i, [m = n->messenger.get()](const std::string& from, net::ByteView f) {
    m->on_frame(from, f);
  });
  n->view = std::make_unique<View>(nodes_);
  n->executors = std::make_unique<SimExecutors>(world, options.speed);
  VcEnvironment env{*n->clock, *n->clock,  *n->random,   *n->messenger,
                    *n->view,  n->modules, *n->executors};
  n->vc = std::make_unique<VcNode>(env, WorkerConfig{options.slots}, options.deployment);
  // Free slots spread by gossip: the others hear of a change a little later.
  n->vc->worker().on_free_slots_changed([this, i](unsigned free) {
    world.at(world.now() + gossip_delay, [this, i, free] {
      nodes_[i]->advertised_free = free;
      for (auto& other : nodes_)
        if (other->alive && other->vc)
          other->vc->on_cluster_changed();
    });
  });
  nodes_.push_back(std::move(n));
  for (std::size_t j = 0; j < i; ++j)
    if (nodes_[j]->alive && nodes_[j]->vc)
      nodes_[j]->vc->on_cluster_changed();
  return i;
}

Deployment::Module Cluster::publish(std::size_t i, std::size_t size) {
  net::Bytes bytes(size);
  for (std::size_t k = 0; k < size; ++k)
    bytes[k] = static_cast<std::uint8_t>(world.random().next());
  ModuleHash h = sha256(bytes);
  nodes_.at(i)->modules.put(h, std::move(bytes));
  return {h, size};
}

VcId Cluster::create(std::size_t i, Client& client, detail::VcRequest request,
                     Deployment::Module m) {
  return nodes_.at(i)->vc->create(std::move(request), m, client);
}

void Cluster::leave(std::size_t i) {
  nodes_.at(i)->vc->shutdown("its agent is leaving the cluster");
  world.at(world.now() + Millis{300}, [this, i] { kill(i, Millis{0}); });
}

void Cluster::kill(std::size_t i, Millis detection) {
  Node& n = *nodes_.at(i);
  links.set_up(i, false);
  n.messenger->stop();
  n.clock->kill();
  n.vc.reset(); // its executors die with it
  world.at(world.now() + detection, [this, i] {
    nodes_[i]->alive = false;
    for (auto& other : nodes_)
      if (other->alive && other->vc) {
        other->vc->on_member_gone(nodes_[i]->address, "died");
        other->messenger->forget(nodes_[i]->address);
      }
  });
}

void Cluster::partition(std::size_t a, std::size_t b, Millis detection) {
  links.partition(a, b, true);
  world.at(world.now() + detection, [this, a, b] {
    for (auto [observer, gone] : {std::pair{a, b}, std::pair{b, a}})
      if (nodes_[observer]->alive && nodes_[observer]->vc) {
        nodes_[observer]->vc->on_member_gone(nodes_[gone]->address, "died");
        nodes_[observer]->messenger->forget(nodes_[gone]->address);
      }
  });
}

} // namespace ppp2p::agent::vc::sim
