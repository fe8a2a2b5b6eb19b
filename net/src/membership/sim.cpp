#include "ppp2p/net/membership/sim.hpp"

#include <cassert>
#include <cstring>
#include <unordered_map>

namespace ppp2p::net::membership {

// One simulated member: its Swim and the environment it sees.
struct SimNetwork::Node final : Clock, Timers, Transport {
  SimNetwork& net;
  std::size_t index;
  std::string address_;
  MemberId id;
  SplitMix random;
  std::unique_ptr<Swim> swim;
  Config config;
  Meta meta;
  std::unordered_set<TimerId> timers;
  TimerId next_timer = 1;
  bool running = false;
  bool refuses = false; // stopped by kill_process: its host answers with refusals

  Node(SimNetwork& n, std::size_t i, std::uint64_t seed) : net(n), index(i), random(seed) {}

  Millis now() const override { return net.now_; }

  TimerId after(Millis delay, std::function<void()> fn) override {
    TimerId t = next_timer++;
    timers.insert(t);
    net.at(net.now_ + delay, [this, t, fn = std::move(fn)] {
      if (running && timers.erase(t))
        fn();
    });
    return t;
  }

  void cancel(TimerId t) override { timers.erase(t); }

  void send(const std::string& to, Bytes message) override {
    if (running)
      net.deliver(index, to, std::move(message));
  }
};

SimNetwork::SimNetwork(SimOptions options) : options_(options), net_random_(options.seed) {}

SimNetwork::~SimNetwork() {
  for (auto& n : nodes_)
    if (n->swim)
      n->swim->stop();
}

void SimNetwork::mix(std::uint64_t v) noexcept {
  fingerprint_ ^= v;
  fingerprint_ *= 0x100000001b3ull;
}

std::size_t SimNetwork::add(const Config& cfg, Meta meta) {
  std::size_t i = nodes_.size();
  auto node = std::make_unique<Node>(*this, i, net_random_.next());
  for (std::size_t b = 0; b < node->id.bytes.size(); b += 8) {
    std::uint64_t r = net_random_.next();
    std::memcpy(node->id.bytes.data() + b, &r, 8);
  }
  node->address_ = "10." + std::to_string((i >> 16) & 255) + "." + std::to_string((i >> 8) & 255) +
                   "." + std::to_string(i & 255) + ":7946";
  node->config = cfg;
  node->meta = meta;
  nodes_.push_back(std::move(node));
  make_swim(i, 0);
  return i;
}

void SimNetwork::make_swim(std::size_t i, std::uint64_t incarnation) {
  Node& n = *nodes_[i];
  SelfInfo self{n.id, n.address_, n.meta, incarnation};
  n.swim = std::make_unique<Swim>(Environment{n, n, n, n.random}, n.config, self);
  n.swim->set_listener([this, i](Event e, const Member& m, State before) {
    mix(i);
    mix(static_cast<std::uint64_t>(e));
    mix(static_cast<std::uint64_t>(m.state));
    mix(static_cast<std::uint64_t>(now_.count()));
    if (observer_)
      observer_(i, e, m, before);
  });
}

void SimNetwork::restart(std::size_t i, const std::vector<std::size_t>& seeds) {
  assert(!nodes_.at(i)->running && "restart a member that was killed or left");
  // Like the agent, a new run starts its incarnation from the clock, above the old run's.
  make_swim(i, static_cast<std::uint64_t>(now_.count()));
  nodes_[i]->refuses = false;
  start(i, seeds);
}

void SimNetwork::start(std::size_t i, const std::vector<std::size_t>& seeds) {
  Node& n = *nodes_.at(i);
  std::vector<std::string> addrs;
  for (std::size_t s : seeds)
    addrs.push_back(nodes_.at(s)->address_);
  n.running = true;
  n.swim->start(std::move(addrs));
}

void SimNetwork::add_cluster(std::size_t n, const Config& cfg) {
  std::size_t first = size();
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t idx = add(cfg, Meta{4, 4, 4, 100.0f, 0.0f});
    start(idx, idx == first ? std::vector<std::size_t>{} : std::vector<std::size_t>{first});
  }
}

void SimNetwork::at(Millis when, std::function<void()> fn) {
  queue_.push(Scheduled{when, next_seq_++, std::move(fn)});
}

void SimNetwork::run_for(Millis d) {
  Millis end = now_ + d;
  while (!queue_.empty() && queue_.top().when <= end) {
    // Moving out of the top of a priority_queue is safe: it is popped right after.
    Scheduled ev = std::move(const_cast<Scheduled&>(queue_.top()));
    queue_.pop();
    now_ = ev.when;
    ev.fn();
  }
  now_ = end;
}

bool SimNetwork::run_until(const std::function<bool()>& pred, Millis limit, Millis step) {
  Millis end = now_ + limit;
  while (now_ < end) {
    if (pred())
      return true;
    run_for(std::min(step, end - now_));
  }
  return pred();
}

std::optional<std::size_t> SimNetwork::index_of(const std::string& address) const {
  // Addresses are 10.a.b.c:7946 with a.b.c the index.
  unsigned a = 0, b = 0, c = 0;
  if (std::sscanf(address.c_str(), "10.%u.%u.%u:7946", &a, &b, &c) != 3)
    return std::nullopt;
  std::size_t i = (a << 16) | (b << 8) | c;
  if (i >= nodes_.size())
    return std::nullopt;
  return i;
}

int SimNetwork::group_of(std::size_t i) const {
  return groups_.empty() ? 0 : groups_[i];
}

Millis SimNetwork::latency() {
  auto span = options_.latency_max - options_.latency_min;
  return options_.latency_min +
         Millis{static_cast<long>(net_random_.below(static_cast<std::uint64_t>(span.count()) + 1))};
}

void SimNetwork::deliver(std::size_t from, const std::string& to, Bytes msg) {
  auto target = index_of(to);
  double roll = static_cast<double>(net_random_.next() >> 11) / static_cast<double>(1ull << 53);
  if (!target || roll < options_.loss || group_of(from) != group_of(*target)) {
    ++dropped_;
    return;
  }
  std::size_t dst = *target;
  if (refused_pairs_.count({from, dst})) {
    ++dropped_;
    refuse(from, dst);
    return;
  }
  at(now_ + latency(), [this, from, dst, msg = std::move(msg)] {
    Node& n = *nodes_[dst];
    // Crashes and partitions that happened while the message was in flight count too.
    if (!n.running || !nodes_[from]->running || group_of(from) != group_of(dst)) {
      ++dropped_;
      if (n.refuses && nodes_[from]->running && group_of(from) == group_of(dst))
        refuse(from, dst);
      return;
    }
    ++delivered_;
    bytes_ += msg.size();
    n.swim->on_message(msg, &nodes_[from]->id);
  });
}

void SimNetwork::kill(std::size_t i) {
  Node& n = *nodes_.at(i);
  n.running = false;
  n.swim->stop();
  n.timers.clear();
}

void SimNetwork::kill_process(std::size_t i) {
  kill(i);
  nodes_[i]->refuses = true;
}

void SimNetwork::refuse(std::size_t from, std::size_t dst) {
  // The refusal takes the way back: one more latency.
  at(now_ + latency(), [this, from, dst] {
    mix(0x7ef05e);
    if (nodes_[from]->running)
      nodes_[from]->swim->hint_refused(nodes_[dst]->address_);
  });
}

void SimNetwork::leave(std::size_t i) {
  Node& n = *nodes_.at(i);
  n.swim->leave();
  at(now_ + n.swim->config().leave_linger, [this, i] { kill(i); });
}

void SimNetwork::partition(const std::vector<std::vector<std::size_t>>& groups) {
  groups_.assign(nodes_.size(), static_cast<int>(groups.size()));
  for (std::size_t g = 0; g < groups.size(); ++g)
    for (std::size_t i : groups[g])
      groups_.at(i) = static_cast<int>(g);
}

void SimNetwork::heal() {
  groups_.clear();
}

Swim& SimNetwork::swim(std::size_t i) {
  return *nodes_.at(i)->swim;
}
const MemberId& SimNetwork::id(std::size_t i) const {
  return nodes_.at(i)->id;
}
const std::string& SimNetwork::address(std::size_t i) const {
  return nodes_.at(i)->address_;
}
bool SimNetwork::running(std::size_t i) const {
  return nodes_.at(i)->running;
}

std::optional<State> SimNetwork::view(std::size_t observer, std::size_t subject) const {
  const Member* m = nodes_.at(observer)->swim->find(nodes_.at(subject)->id);
  if (!m)
    return std::nullopt;
  return m->state;
}

bool SimNetwork::converged() const {
  std::size_t running = 0;
  for (auto& n : nodes_)
    running += n->running;
  // Cheap necessary condition first: most calls happen while it does not hold.
  for (auto& n : nodes_)
    if (n->running && n->swim->live_count() != running)
      return false;
  for (std::size_t o = 0; o < nodes_.size(); ++o) {
    if (!nodes_[o]->running)
      continue;
    for (std::size_t s = 0; s < nodes_.size(); ++s) {
      auto v = view(o, s);
      if (nodes_[s]->running) {
        if (v != State::alive)
          return false;
      } else if (v && (*v == State::alive || *v == State::suspect)) {
        return false;
      }
    }
  }
  return true;
}

} // namespace ppp2p::net::membership

namespace ppp2p::net::membership {

bool SimNetwork::all_known_live() const {
  for (std::size_t o = 0; o < nodes_.size(); ++o) {
    if (!nodes_[o]->running)
      continue;
    for (std::size_t s = 0; s < nodes_.size(); ++s) {
      auto v = view(o, s);
      if (nodes_[s]->running && v != State::alive && v != State::suspect)
        return false;
    }
  }
  return true;
}

} // namespace ppp2p::net::membership
