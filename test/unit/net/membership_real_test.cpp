// Membership over the real environment: libuv timers and authenticated links on loopback,
// several members in one process and one loop.
#include <gtest/gtest.h>

#include "net_test_util.hpp"
#include "ppp2p/net/membership/swim.hpp"
#include "ppp2p/net/membership/uv_env.hpp"
#include "ppp2p/net/peer_links.hpp"

using namespace ppp2p::net;
using namespace ppp2p::net::membership;
using namespace ppp2p::net::testing;

namespace {

struct LinkTransport final : Transport {
  PeerLinks& links;
  explicit LinkTransport(PeerLinks& l) : links(l) {}
  void send(const std::string& address, Bytes message) override {
    links.send(address, Channel::membership, std::move(message));
  }
};

// One member: what the agent wires together, minus the agent.
struct RealMember {
  Credentials creds{Identity::generate(), ClusterKey::from_secret(std::string(40, 'm')),
                    std::nullopt};
  PeerLinks links;
  UvClock clock;
  UvTimers timers;
  SplitMix random = system_seeded_random();
  LinkTransport transport{links};
  std::unique_ptr<Swim> swim;

  explicit RealMember(Loop& loop) : links(loop, creds), clock(loop), timers(loop) {
    std::string address = links.listen(loopback()).value().to_string();
    swim =
        std::make_unique<Swim>(Environment{clock, timers, transport, random}, Config::lan(),
                               SelfInfo{creds.identity.public_key, address, {2, 2, 2, 100, 0}, 1});
    links.on_receive(Channel::membership, [this](const PublicKey& peer, ByteView body) {
      swim->on_message(body, &peer);
    });
    links.on_link_lost(
        [this](const std::string& address, std::error_code) { swim->hint_unreachable(address); });
  }
  const std::string& address() const { return swim->self().address; }
  State view_of(const RealMember& other) const {
    const Member* m = swim->find(other.creds.identity.public_key);
    return m ? m->state : State::left;
  }
};

} // namespace

TEST(UvTimers, FireOnceInOrderAndCanBeCancelled) {
  Loop loop;
  UvTimers timers(loop);
  std::vector<int> fired;
  timers.after(Millis{20}, [&] { fired.push_back(2); });
  TimerId never = timers.after(Millis{10}, [&] { fired.push_back(-1); });
  timers.after(Millis{5}, [&] {
    fired.push_back(1);
    timers.after(Millis{1}, [&] { fired.push_back(3); }); // scheduled from a callback
  });
  timers.cancel(never);
  timers.cancel(12345); // unknown ids are ignored
  loop.run();
  EXPECT_EQ(fired, (std::vector<int>{1, 3, 2}));
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(SwimOverLinks, MembersConvergeAndACrashIsDetected) {
  Loop loop;
  std::vector<std::unique_ptr<RealMember>> m;
  for (int i = 0; i < 4; ++i)
    m.push_back(std::make_unique<RealMember>(loop));
  m[0]->swim->start({});
  for (int i = 1; i < 4; ++i)
    m[i]->swim->start({m[0]->address()});
  auto all_alive = [&](std::size_t n) {
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = 0; b < n; ++b)
        if (m[a]->view_of(*m[b]) != State::alive)
          return false;
    return true;
  };
  ASSERT_TRUE(run_until(
      loop, [&] { return all_alive(4); }, Millis{10000}));

  // "Crash" member 3: it stops answering and its links close.
  m[3]->swim->stop();
  sync_wait(loop, m[3]->links.shutdown());
  EXPECT_TRUE(run_until(
      loop,
      [&] {
        for (int i = 0; i < 3; ++i)
          if (m[i]->view_of(*m[3]) != State::dead)
            return false;
        return true;
      },
      Millis{10000}));
  EXPECT_TRUE(all_alive(3));
  for (int i = 0; i < 3; ++i) {
    m[i]->swim->stop();
    sync_wait(loop, m[i]->links.shutdown());
  }
}
