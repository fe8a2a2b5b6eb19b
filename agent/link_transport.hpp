// The agent's links as a best-effort transport (membership's, and reliable messaging's) on one
// channel.
#pragma once

#include "ppp2p/net/membership/env.hpp"
#include "ppp2p/net/peer_links.hpp"

namespace ppp2p::agent {

class LinkTransport final : public net::membership::Transport {
public:
  LinkTransport(net::PeerLinks& links, net::Channel channel) : links_(links), channel_(channel) {}
  void send(const std::string& address, net::Bytes message) override {
    links_.send(address, channel_, std::move(message));
  }

private:
  net::PeerLinks& links_;
  net::Channel channel_;
};

} // namespace ppp2p::agent
