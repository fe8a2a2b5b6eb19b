// A deterministic simulation of many Swim members in one process: a virtual clock, an event
// queue, and a network with latency, loss, partitions and crashes, all driven by one seed.
// The same seed replays the same run, event for event (see fingerprint()).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "ppp2p/net/membership/swim.hpp"

namespace ppp2p::net::membership {

struct SimOptions {
  std::uint64_t seed = 1;
  Millis latency_min{1};
  Millis latency_max{5};
  double loss = 0.0; // probability that a message is dropped
};

class SimNetwork {
public:
  explicit SimNetwork(SimOptions options);
  ~SimNetwork();

  // Adds a member (not yet started); returns its index.
  std::size_t add(const Config& cfg, Meta meta = {});
  // Starts member i, joining through the members listed in seeds.
  void start(std::size_t i, const std::vector<std::size_t>& seeds);
  // Adds n members, starts the first alone and the rest through it.
  void add_cluster(std::size_t n, const Config& cfg);

  // Runs events until the clock reaches now() + d.
  void run_for(Millis d);
  // Runs until pred() holds (checked every `step`) or `limit` passes; returns whether it held.
  bool run_until(const std::function<bool()>& pred, Millis limit, Millis step = Millis{10});

  Millis now() const noexcept { return now_; }

  // Crashes member i: it stops, and nothing reaches it or comes from it again (a host that
  // went silent).
  void kill(std::size_t i);
  // Kills member i's process on a host that stays up: it stops, and every message sent to its
  // address is answered by a refusal (the sender's hint_refused), as a TCP connection to a
  // port nobody listens on is.
  void kill_process(std::size_t i);
  // Starts a killed (or departed) member again with the same identity, as a new run.
  void restart(std::size_t i, const std::vector<std::size_t>& seeds);
  // Member i leaves gracefully; after its linger time it stops.
  void leave(std::size_t i);
  // Messages between different groups are dropped; members not listed form one more group.
  void partition(const std::vector<std::vector<std::size_t>>& groups);
  void heal();
  // Messages from a to b are refused, as by a firewall's REJECT rule on b for a (one way; the
  // rest of the network is untouched). unrefuse() lifts it.
  void refuse_between(std::size_t a, std::size_t b) { refused_pairs_.insert({a, b}); }
  void unrefuse() { refused_pairs_.clear(); }
  void set_loss(double loss) noexcept { options_.loss = loss; }

  std::size_t size() const noexcept { return nodes_.size(); }
  Swim& swim(std::size_t i);
  const MemberId& id(std::size_t i) const;
  const std::string& address(std::size_t i) const;
  bool running(std::size_t i) const;
  // The state member `observer` holds for member `subject`, if it knows it.
  std::optional<State> view(std::size_t observer, std::size_t subject) const;
  // True when every running member sees every running member alive and every stopped member
  // as dead or left (or has forgotten it).
  bool converged() const;
  // Weaker, for lossy networks where some suspicion is always in the air: every running
  // member knows every running member as alive or suspect.
  bool all_known_live() const;

  // A hash of everything that happened so far; equal seeds give equal fingerprints.
  std::uint64_t fingerprint() const noexcept { return fingerprint_; }
  std::uint64_t messages_delivered() const noexcept { return delivered_; }
  std::uint64_t messages_dropped() const noexcept { return dropped_; }
  std::uint64_t bytes_delivered() const noexcept { return bytes_; }

  // Called on every state change any member observes (observer index, event, member, before).
  using Observer = std::function<void(std::size_t, Event, const Member&, State)>;
  void set_observer(Observer o) { observer_ = std::move(o); }

  struct Node;

private:
  friend struct Node;
  void at(Millis when, std::function<void()> fn);
  void make_swim(std::size_t i, std::uint64_t incarnation);
  void deliver(std::size_t from, const std::string& to, Bytes msg);
  void refuse(std::size_t from, std::size_t dst); // tells `from` that dst's address refused
  Millis latency(); // one message's, drawn from [latency_min, latency_max]
  std::optional<std::size_t> index_of(const std::string& address) const;
  int group_of(std::size_t i) const;
  void mix(std::uint64_t v) noexcept;

  struct Scheduled {
    Millis when;
    std::uint64_t seq;
    std::function<void()> fn;
    bool operator>(const Scheduled& o) const {
      return when != o.when ? when > o.when : seq > o.seq;
    }
  };

  SimOptions options_;
  SplitMix net_random_;
  Millis now_{0};
  std::uint64_t next_seq_ = 0;
  std::priority_queue<Scheduled, std::vector<Scheduled>, std::greater<>> queue_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<int> groups_; // per node; empty = no partition
  std::set<std::pair<std::size_t, std::size_t>> refused_pairs_;
  std::uint64_t fingerprint_ = 0xcbf29ce484222325ull;
  std::uint64_t delivered_ = 0, dropped_ = 0, bytes_ = 0;
  Observer observer_;
};

} // namespace ppp2p::net::membership
