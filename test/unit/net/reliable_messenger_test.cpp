// Reliable messaging in a deterministic simulation: frames lost at random, links that break,
// peers that restart; messages must arrive in order, exactly once. Every test is seeded.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/reliable/messenger.hpp"
#include "sim_links.hpp"

using namespace ppp2p::net;
using namespace ppp2p::net::reliable;
using ppp2p::testing::SimClock;
using ppp2p::testing::SimWorld;

namespace {

std::uint64_t seed(std::uint64_t base) {
  const char* shift = std::getenv("PPP2P_SIM_SEED");
  return base + (shift ? std::strtoull(shift, nullptr, 10) : 0);
}

// Messengers on a simulated network (sim_links.hpp); nodes restart with a new epoch.
class Net {
public:
  Net(std::uint64_t s, Config cfg) : world(s), links(world), cfg_(cfg) {}

  std::size_t add() {
    auto n = std::make_unique<Node>();
    n->address = "10.0.0." + std::to_string(nodes.size() + 1) + ":1";
    n->index = links.add(n->address);
    nodes.push_back(std::move(n));
    start(nodes.size() - 1);
    return nodes.size() - 1;
  }

  void start(std::size_t i) {
    Node& n = *nodes[i];
    n.clock = std::make_unique<SimClock>(world);
    n.random = std::make_unique<membership::SplitMix>(world.random().next());
    links.set_up(i, true);
    n.m = std::make_unique<Messenger>(
        Environment{*n.clock, *n.clock, links.transport(i), *n.random}, n.address, cfg_);
    links.set_receiver(i, [&n](const std::string& from, ByteView f) { n.m->on_frame(from, f); });
    n.m->on_message([&n](const std::string& from, ByteView body) {
      n.received[from].emplace_back(body.begin(), body.end());
    });
    n.m->on_request([&n](const std::string& from, Messenger::RequestId id, ByteView body) {
      Bytes reply(body.begin(), body.end());
      reply.push_back('!');
      n.m->respond(from, id, std::move(reply));
    });
    n.m->on_peer_reset([&n](const std::string& peer) { n.resets.push_back(peer); });
  }

  void restart(std::size_t i) {
    Node& n = *nodes[i];
    n.m->stop();
    n.clock->kill();
    n.received.clear();
    start(i);
  }

  void kill(std::size_t i) {
    links.set_up(i, false);
    nodes[i]->m->stop();
    nodes[i]->clock->kill();
  }

  // Everything in flight from a to b is lost, and a hears that its link broke.
  void break_link(std::size_t a, std::size_t b) {
    links.break_link(a, b);
    nodes[a]->m->link_lost(nodes[b]->address);
  }

  struct Node {
    std::size_t index = 0;
    std::string address;
    std::unique_ptr<SimClock> clock;
    std::unique_ptr<membership::SplitMix> random;
    std::unique_ptr<Messenger> m;
    std::map<std::string, std::vector<Bytes>> received;
    std::vector<std::string> resets;
  };

  SimWorld world;
  ppp2p::testing::SimLinks links;
  std::vector<std::unique_ptr<Node>> nodes;

private:
  Config cfg_;
};

Config small_config() {
  Config c;
  c.fragment_bytes = 1000;
  c.frame_bytes = 4000;
  c.window_bytes = 20000;
  c.retransmit_timeout = Millis{200};
  c.max_retransmit_timeout = Millis{1000};
  return c;
}

// Message i: its number, then filler of a size that depends on i (some need fragments).
Bytes message(std::uint32_t i) {
  std::size_t size = 4 + (i * 7919u) % 3000;
  Bytes b(size, static_cast<std::uint8_t>(i));
  std::memcpy(b.data(), &i, 4);
  return b;
}

bool got_all(Net& net, std::size_t to, std::size_t from, std::size_t n) {
  return net.nodes[to]->received[net.nodes[from]->address].size() >= n;
}

void expect_exactly(Net& net, std::size_t to, std::size_t from, std::uint32_t n) {
  const auto& got = net.nodes[to]->received[net.nodes[from]->address];
  ASSERT_EQ(got.size(), n);
  for (std::uint32_t i = 0; i < n; ++i)
    ASSERT_EQ(got[i], message(i)) << "message " << i;
}

} // namespace

TEST(ReliableMessenger, DeliversInOrderOnAPerfectNetworkInFewFrames) {
  Net net(seed(1), Config{});
  auto a = net.add(), b = net.add();
  for (std::uint32_t i = 0; i < 200; ++i)
    net.nodes[a]->m->send(net.nodes[b]->address, message(i));
  ASSERT_TRUE(net.world.run_until([&] { return got_all(net, b, a, 200); }, Millis{5000}));
  expect_exactly(net, b, a, 200);
  // 200 messages of ~300 KiB in all went out in one round: a frame per MiB, not one each.
  EXPECT_LE(net.nodes[a]->m->stats().frames_sent, 3u);
  EXPECT_EQ(net.nodes[a]->m->stats().retransmissions, 0u);
  net.world.run_for(Millis{100});
  EXPECT_EQ(net.nodes[a]->m->backlog(net.nodes[b]->address), 0u) << "everything acknowledged";
}

TEST(ReliableMessenger, SurvivesRandomLossAndBrokenLinksBothWays) {
  Net net(seed(2), small_config());
  auto a = net.add(), b = net.add();
  net.links.loss = 0.2;
  constexpr std::uint32_t n = 1500;
  std::uint32_t sent = 0;
  // Send in bursts while links break now and then.
  while (sent < n) {
    for (int k = 0; k < 50 && sent < n; ++k, ++sent) {
      net.nodes[a]->m->send(net.nodes[b]->address, message(sent));
      net.nodes[b]->m->send(net.nodes[a]->address, message(sent));
    }
    net.world.run_for(Millis{static_cast<long>(net.world.random().below(50))});
    if (net.world.random().below(4) == 0)
      net.break_link(a, b);
    if (net.world.random().below(4) == 0)
      net.break_link(b, a);
  }
  ASSERT_TRUE(net.world.run_until([&] { return got_all(net, b, a, n) && got_all(net, a, b, n); },
                                  Millis{600000}));
  expect_exactly(net, b, a, n);
  expect_exactly(net, a, b, n);
  EXPECT_GT(net.nodes[a]->m->stats().retransmissions, 0u);
  EXPECT_TRUE(net.nodes[a]->resets.empty());
  EXPECT_TRUE(net.nodes[b]->resets.empty());
}

TEST(ReliableMessenger, WindowBoundsWhatIsInFlight) {
  Config cfg = small_config();
  Net net(seed(3), cfg);
  auto a = net.add(), b = net.add();
  net.kill(b); // nothing is ever acknowledged
  for (std::uint32_t i = 0; i < 100; ++i)
    net.nodes[a]->m->send(net.nodes[b]->address, message(i));
  std::uint64_t frames_before = net.links.frames;
  net.world.run_for(Millis{10});
  // One window's worth went out; the rest waits.
  EXPECT_LE((net.links.frames - frames_before) * cfg.frame_bytes,
            cfg.window_bytes + 2 * cfg.frame_bytes);
  EXPECT_GT(net.nodes[a]->m->backlog(net.nodes[b]->address), cfg.window_bytes);
}

TEST(ReliableMessenger, ABacklogOverItsBoundResetsOurStreamAndAFreshOneFollows) {
  Config cfg = small_config();
  cfg.max_backlog_bytes = 50000;
  Net net(seed(11), cfg);
  auto a = net.add(), b = net.add();
  const std::string& to_b = net.nodes[b]->address;
  const std::string& to_a = net.nodes[a]->address;
  for (std::uint32_t i = 0; i < 5; ++i)
    net.nodes[a]->m->send(to_b, message(i));
  ASSERT_TRUE(net.world.run_until([&] { return got_all(net, b, a, 5); }, Millis{5000}));
  // b stops taking anything: a's backlog grows until the bound resets a's stream to b.
  net.links.set_up(b, false);
  std::vector<std::error_code> outcomes;
  net.nodes[a]->m->request(to_b, Bytes{1}, Millis{600000},
                           [&](Result<ByteView> r) { outcomes.push_back(r.error()); });
  for (std::uint32_t i = 0; i < 100; ++i) {
    net.nodes[a]->m->send(to_b, message(i));
    ASSERT_LE(net.nodes[a]->m->backlog(to_b), cfg.max_backlog_bytes);
  }
  EXPECT_GE(net.nodes[a]->m->stats().backlog_overflows, 1u);
  EXPECT_TRUE(net.nodes[a]->resets.empty()) << "reported once the send has returned";
  net.world.run_for(Millis{10});
  ASSERT_FALSE(net.nodes[a]->resets.empty());
  EXPECT_EQ(net.nodes[a]->resets[0], to_b);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0], make_error_code(errc::connection_closed));

  // b comes back: it hears of the fresh stream (the reset, too) and gets what a sends now in
  // order, once; b's own stream to a was never interrupted.
  net.links.set_up(b, true);
  std::size_t before = net.nodes[b]->received[to_a].size();
  for (std::uint32_t i = 0; i < 10; ++i) {
    net.nodes[a]->m->send(to_b, message(1000 + i));
    net.nodes[b]->m->send(to_a, message(i));
  }
  ASSERT_TRUE(net.world.run_until(
      [&] {
        const auto& got = net.nodes[b]->received[to_a];
        return !got.empty() && got.back() == message(1009);
      },
      Millis{60000}));
  EXPECT_FALSE(net.nodes[b]->resets.empty()) << "b reports that a's backlog was lost";
  const auto& got = net.nodes[b]->received[to_a];
  // After the 5 first: at most the tail of the overflowed stream's fresh start, then 1000..1009
  // in order, each once.
  std::vector<Bytes> fresh(got.end() - 10, got.end());
  for (std::uint32_t i = 0; i < 10; ++i)
    EXPECT_EQ(fresh[i], message(1000 + i)) << "message " << 1000 + i;
  EXPECT_GE(got.size(), before + 10);
  ASSERT_TRUE(net.world.run_until([&] { return got_all(net, a, b, 10); }, Millis{60000}));
  expect_exactly(net, a, b, 10);
}

TEST(ReliableMessenger, LargeMessagesTravelInFragments) {
  Net net(seed(4), small_config());
  auto a = net.add(), b = net.add();
  net.links.loss = 0.05;
  Bytes big(100000);
  for (std::size_t i = 0; i < big.size(); ++i)
    big[i] = static_cast<std::uint8_t>(i * 31);
  net.nodes[a]->m->send(net.nodes[b]->address, big);
  net.nodes[a]->m->send(net.nodes[b]->address, Bytes{1, 2, 3});
  net.nodes[a]->m->send(net.nodes[b]->address, Bytes{});
  ASSERT_TRUE(net.world.run_until([&] { return got_all(net, b, a, 3); }, Millis{120000}));
  const auto& got = net.nodes[b]->received[net.nodes[a]->address];
  EXPECT_EQ(got[0], big);
  EXPECT_EQ(got[1], (Bytes{1, 2, 3}));
  EXPECT_TRUE(got[2].empty());
}

TEST(ReliableMessenger, OversizedIncomingMessagesAreDroppedNotBuffered) {
  Config small = small_config();
  small.max_message = 5000;
  Net net(seed(5), small);
  auto a = net.add(), b = net.add();
  net.nodes[a]->m->send(net.nodes[b]->address, Bytes(20000, 7)); // over b's limit
  net.nodes[a]->m->send(net.nodes[b]->address, Bytes{9});
  ASSERT_TRUE(net.world.run_until([&] { return got_all(net, b, a, 1); }, Millis{10000}));
  EXPECT_EQ(net.nodes[b]->received[net.nodes[a]->address][0], Bytes{9});
  EXPECT_EQ(net.nodes[b]->m->stats().messages_too_large, 1u);
}

TEST(ReliableMessenger, RequestsGetTheirResponseOnceDespiteLoss) {
  Net net(seed(6), small_config());
  auto a = net.add(), b = net.add();
  net.links.loss = 0.3;
  std::map<int, std::vector<Bytes>> answers;
  for (int i = 0; i < 100; ++i)
    net.nodes[a]->m->request(net.nodes[b]->address, Bytes{static_cast<std::uint8_t>(i)},
                             Millis{600000}, [&answers, i](Result<ByteView> r) {
                               ASSERT_TRUE(r.ok()) << r.error().message();
                               answers[i].emplace_back(r->begin(), r->end());
                             });
  ASSERT_TRUE(net.world.run_until([&] { return answers.size() == 100; }, Millis{600000}));
  net.world.run_for(Millis{5000});
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(answers[i].size(), 1u);
    EXPECT_EQ(answers[i][0], (Bytes{static_cast<std::uint8_t>(i), '!'}));
  }
}

TEST(ReliableMessenger, RequestsTimeOutOrFailWhenThePeerIsForgotten) {
  Net net(seed(7), small_config());
  auto a = net.add(), b = net.add();
  net.kill(b);
  std::vector<std::error_code> outcomes;
  auto record = [&](Result<ByteView> r) { outcomes.push_back(r.error()); };
  net.nodes[a]->m->request(net.nodes[b]->address, Bytes{1}, Millis{500}, record);
  net.nodes[a]->m->request(net.nodes[b]->address, Bytes{2}, Millis{60000}, record);
  net.world.run_for(Millis{1000});
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0], make_error_code(errc::timed_out));
  net.nodes[a]->m->forget(net.nodes[b]->address);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[1], make_error_code(errc::connection_closed));
  EXPECT_EQ(net.nodes[a]->m->peer_count(), 0u);
  net.world.run_for(Millis{100000});
  EXPECT_EQ(outcomes.size(), 2u) << "each callback exactly once";
}

TEST(ReliableMessenger, ARestartedPeerIsReportedAndStartsAFreshStream) {
  Net net(seed(8), small_config());
  auto a = net.add(), b = net.add();
  for (std::uint32_t i = 0; i < 10; ++i)
    net.nodes[a]->m->send(net.nodes[b]->address, message(i));
  ASSERT_TRUE(net.world.run_until([&] { return got_all(net, b, a, 10); }, Millis{5000}));
  net.world.run_for(Millis{50});
  // b restarts; a still sends on its old stream (it knows b's old epoch): b resets it.
  net.restart(b);
  std::vector<std::error_code> outcomes;
  net.nodes[a]->m->request(net.nodes[b]->address, Bytes{1}, Millis{60000},
                           [&](Result<ByteView> r) { outcomes.push_back(r.error()); });
  ASSERT_TRUE(net.world.run_until([&] { return !net.nodes[a]->resets.empty(); }, Millis{5000}));
  EXPECT_EQ(net.nodes[a]->resets[0], net.nodes[b]->address);
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0], make_error_code(errc::connection_closed));
  // Afterwards both directions work again, from the start.
  for (std::uint32_t i = 0; i < 10; ++i) {
    net.nodes[a]->m->send(net.nodes[b]->address, message(i));
    net.nodes[b]->m->send(net.nodes[a]->address, message(i));
  }
  ASSERT_TRUE(net.world.run_until([&] { return got_all(net, b, a, 10); }, Millis{10000}));
  expect_exactly(net, b, a, 10);
  ASSERT_TRUE(net.world.run_until([&] { return got_all(net, a, b, 10); }, Millis{10000}));
  expect_exactly(net, a, b, 10);
}

TEST(ReliableMessenger, ARestartedSenderIsReportedByTheReceiver) {
  Net net(seed(9), small_config());
  auto a = net.add(), b = net.add();
  net.nodes[a]->m->send(net.nodes[b]->address, message(0));
  ASSERT_TRUE(net.world.run_until([&] { return got_all(net, b, a, 1); }, Millis{5000}));
  net.restart(a);
  net.nodes[a]->m->send(net.nodes[b]->address, message(0));
  ASSERT_TRUE(net.world.run_until([&] { return !net.nodes[b]->resets.empty(); }, Millis{5000}));
  ASSERT_TRUE(net.world.run_until([&] { return got_all(net, b, a, 2); }, Millis{5000}));
  EXPECT_EQ(net.nodes[b]->received[net.nodes[a]->address][1], message(0));
}

TEST(ReliableMessenger, MessagesToOurselvesArriveInOrder) {
  Net net(seed(10), Config{});
  auto a = net.add();
  const std::string& self = net.nodes[a]->address;
  for (std::uint32_t i = 0; i < 5; ++i)
    net.nodes[a]->m->send(self, message(i));
  bool answered = false;
  net.nodes[a]->m->request(self, Bytes{4}, Millis{1000},
                           [&](Result<ByteView> r) { answered = r.ok() && r->size() == 2; });
  net.world.run_for(Millis{10});
  expect_exactly(net, a, a, 5);
  EXPECT_TRUE(answered);
  EXPECT_EQ(net.links.frames, 0u);
}

TEST(ReliableMessenger, GarbageFramesAreCountedAndIgnored) {
  Net net(seed(11), Config{});
  auto a = net.add(), b = net.add();
  Messenger& m = *net.nodes[b]->m;
  m.on_frame(net.nodes[a]->address, Bytes{});
  m.on_frame(net.nodes[a]->address, Bytes(100, 0xff));
  ppp2p::net::membership::SplitMix r(99);
  for (int i = 0; i < 1000; ++i) {
    Bytes junk(r.below(300));
    for (auto& x : junk)
      x = static_cast<std::uint8_t>(r.next());
    m.on_frame(net.nodes[a]->address, junk);
  }
  EXPECT_GE(m.stats().frames_invalid, 1000u);
  net.nodes[a]->m->send(net.nodes[b]->address, message(1));
  ASSERT_TRUE(net.world.run_until([&] { return got_all(net, b, a, 1); }, Millis{5000}));
}

TEST(ReliableMessenger, SameSeedSameRun) {
  auto run = [](std::uint64_t s) {
    Net net(s, small_config());
    auto a = net.add(), b = net.add();
    net.links.loss = 0.2;
    for (std::uint32_t i = 0; i < 300; ++i)
      net.nodes[a]->m->send(net.nodes[b]->address, message(i));
    EXPECT_TRUE(net.world.run_until([&] { return got_all(net, b, a, 300); }, Millis{600000}));
    return std::pair{net.links.frames, net.world.now()};
  };
  EXPECT_EQ(run(seed(12)), run(seed(12)));
}
