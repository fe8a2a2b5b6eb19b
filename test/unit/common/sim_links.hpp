// A simulated network of agents' links for protocol tests: frames between two nodes arrive in
// order (like one TCP connection) after 1-4 ms, or are lost at random (`loss`); a broken link
// loses what is in flight; a node that is down sends and receives nothing.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "ppp2p/net/bytes.hpp"
#include "ppp2p/net/membership/env.hpp"
#include "sim_world.hpp"

namespace ppp2p::testing {

class SimLinks {
public:
  using Receiver = std::function<void(const std::string& from, net::ByteView frame)>;

  explicit SimLinks(SimWorld& world) : world_(world) {}

  // A node reachable at address; returns its index.
  std::size_t add(std::string address) {
    auto n = std::make_unique<Node>();
    n->links = this;
    n->index = nodes_.size();
    n->address = std::move(address);
    nodes_.push_back(std::move(n));
    return nodes_.size() - 1;
  }

  net::membership::Transport& transport(std::size_t i) { return *nodes_.at(i); }
  void set_receiver(std::size_t i, Receiver r) { nodes_.at(i)->receiver = std::move(r); }
  void set_up(std::size_t i, bool up) { nodes_.at(i)->up = up; }
  bool up(std::size_t i) const { return nodes_.at(i)->up; }
  const std::string& address(std::size_t i) const { return nodes_.at(i)->address; }
  std::size_t size() const noexcept { return nodes_.size(); }

  // Everything in flight from a to b is lost (the caller tells a's messenger link_lost).
  void break_link(std::size_t a, std::size_t b) { ++generation_[{a, b}]; }
  // A partition between a and b (both up): nothing passes either way, in flight included,
  // until it heals.
  void partition(std::size_t a, std::size_t b, bool cut) {
    if (cut) {
      cut_.insert({a, b});
      cut_.insert({b, a});
    } else {
      cut_.erase({a, b});
      cut_.erase({b, a});
    }
  }

  double loss = 0;
  std::uint64_t frames = 0;
  std::uint64_t bytes = 0;

private:
  struct Node final : net::membership::Transport {
    SimLinks* links = nullptr;
    std::size_t index = 0;
    std::string address;
    bool up = true;
    Receiver receiver;
    void send(const std::string& to, net::Bytes message) override {
      links->transmit(index, to, std::move(message));
    }
  };

  std::size_t index_of(const std::string& address) const {
    for (std::size_t i = 0; i < nodes_.size(); ++i)
      if (nodes_[i]->address == address)
        return i;
    return nodes_.size();
  }

  void transmit(std::size_t from, const std::string& to, net::Bytes frame) {
    std::size_t t = index_of(to);
    if (!nodes_[from]->up || t == nodes_.size() || cut_.count({from, t}))
      return;
    ++frames;
    bytes += frame.size();
    if (loss > 0 && static_cast<double>(world_.random().below(1000000)) / 1e6 < loss)
      return;
    net::Millis& last = last_delivery_[{from, t}];
    net::Millis when =
        std::max(last, world_.now() + net::Millis{1 + static_cast<long>(world_.random().below(4))});
    last = when;
    std::uint64_t gen = generation_[{from, t}];
    world_.at(when, [this, from, t, gen, frame = std::move(frame)] {
      Node& dest = *nodes_[t];
      if (generation_[{from, t}] != gen || !dest.up || !dest.receiver || cut_.count({from, t}))
        return;
      dest.receiver(nodes_[from]->address, frame);
    });
  }

  SimWorld& world_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::map<std::pair<std::size_t, std::size_t>, std::uint64_t> generation_;
  std::map<std::pair<std::size_t, std::size_t>, net::Millis> last_delivery_;
  std::set<std::pair<std::size_t, std::size_t>> cut_;
};

} // namespace ppp2p::testing
