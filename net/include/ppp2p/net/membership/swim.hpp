// Swim: SWIM membership with Lifeguard-style suspicion, for one member.
//
// Failure detection: every probe_interval, ping the next member of a shuffled round robin;
// without an ack within probe_timeout, ask indirect_checks others to ping it for us; without
// any ack by the end of the interval, suspect it. A suspicion becomes a death when its
// (confirmation-dependent) timeout passes without the suspect refuting it; a member refutes
// by raising its incarnation number. Updates spread by piggybacking on every message and by
// a gossip round every gossip_interval; full state is exchanged on join, periodically with a
// random member, and with a random dead member (which heals partitions). A leaving member
// announces state "left". See net/README.md, "Membership".
//
// Single-threaded: every call, timer and message happens on the thread driving Environment.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "ppp2p/net/membership/broadcast_queue.hpp"
#include "ppp2p/net/membership/config.hpp"
#include "ppp2p/net/membership/env.hpp"
#include "ppp2p/net/membership/types.hpp"

namespace ppp2p::net::membership {

struct SelfInfo {
  MemberId id;
  std::string address;
  Meta meta;
  std::uint64_t incarnation = 0; // start above any earlier run of the same id (e.g. wall clock)
};

enum class Event {
  joined,        // a member we did not know
  state_changed, // alive/suspect/dead/left; `before` holds the previous state
  updated,       // same state, new metadata or address
  forgotten,     // dead or left for longer than dead_retention: removed from the list
};

struct Stats {
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_received = 0;
  std::uint64_t messages_invalid = 0; // failed verification, or sender not who the link says
  std::uint64_t probes = 0;
  std::uint64_t probes_indirect = 0;
  std::uint64_t probes_failed = 0;
  std::uint64_t refutations = 0;
  std::uint64_t suspicions = 0;      // suspicions we raised ourselves
  std::uint64_t members_refused = 0; // news of new members while the table was full of live ones
};

class Swim {
public:
  using Listener = std::function<void(Event, const Member&, State before)>;
  // Told when a probe's direct ping goes out (acked false) and when the probe's ack comes back
  // (acked true, at most once per ping), so that the agent can time round trips with a finer
  // clock than Environment's (the metrics' link RTT histogram).
  using ProbeListener = std::function<void(const MemberId& target, bool acked)>;

  Swim(Environment env, Config cfg, SelfInfo self);
  Swim(const Swim&) = delete;
  Swim& operator=(const Swim&) = delete;
  ~Swim();

  // Starts the protocol; seeds are addresses of members to join through (may be empty for the
  // first member). While no other member is known alive, the seeds are retried.
  void start(std::vector<std::string> seeds);
  // Announces that we leave; probing stops. The caller should keep the environment running for
  // config().leave_linger so the news spreads, then stop().
  void leave();
  // Stops every timer; the object can then be destroyed.
  void stop();

  // A message from the transport. authenticated_sender is the key the link proved, or nullptr
  // where there is none (the simulation passes the true sender).
  void on_message(ByteView bytes, const MemberId* authenticated_sender);
  // Advertises new metadata (raises our incarnation).
  void update_meta(const Meta& meta);
  // The transport lost its connection to address: probe that member now.
  void hint_unreachable(const std::string& address);
  // A connection to address was refused: nothing listens there, so the member's process is
  // most likely gone (a live member answers on the address it advertises). The member becomes
  // suspect at once and is declared dead unless it acks one final probe within probe_interval,
  // instead of waiting out the suspicion timeout, which is there for silence (a crashed host,
  // a partition), not for a definite answer.
  void hint_refused(const std::string& address);

  const Member& self() const { return members_.at(self_id_); }
  // Every member we know, ourselves included.
  const std::map<MemberId, Member>& members() const noexcept { return members_; }
  const Member* find(const MemberId& id) const;
  // Members alive or suspect, ourselves included.
  std::size_t live_count() const noexcept { return live_count_; }
  const Stats& stats() const noexcept { return stats_; }
  const Config& config() const noexcept { return cfg_; }
  bool has_left() const noexcept { return left_; }

  void set_listener(Listener l) { listener_ = std::move(l); }
  void set_probe_listener(ProbeListener l) { probe_listener_ = std::move(l); }

private:
  struct Probe {
    std::uint32_t seq = 0;
    bool acked = false;
    TimerId indirect_timer = 0;
    TimerId end_timer = 0;
  };
  struct AckWaiter {
    std::function<void()> on_ack;
    TimerId expiry = 0;
  };
  struct Suspicion {
    std::uint64_t incarnation = 0;
    std::set<MemberId> confirmers;
    Millis started{0};
    TimerId timer = 0;
    bool last_chance = false;       // timed out: final probes decide
    bool final_probe_acked = false; // the current final probe got an ack
    std::size_t final_failures = 0; // final probes without an ack, in a row
    bool refused = false;           // its address refused a connection (hint_refused)
  };

  // swim.cpp: lifecycle, probing, messaging.
  // Every timer goes through after()/cancel(), so that stop() can cancel all of them.
  TimerId after(Millis delay, std::function<void()> fn);
  void cancel(TimerId id);
  void schedule(TimerId& slot, Millis delay, void (Swim::*tick)());
  void probe_tick();
  void gossip_tick();
  void push_pull_tick();
  void reconnect_tick();
  void join_tick();
  void start_probe(const MemberId& target);
  void finish_probe(const MemberId& target);
  std::optional<MemberId> next_probe_target();
  std::vector<MemberId> random_members(std::size_t k, const std::set<MemberId>& exclude,
                                       bool include_recently_dead);
  std::uint32_t expect_ack(std::function<void()> on_ack, Millis expiry);
  void send(const std::string& address, Message m);
  void send_sync(const std::string& address, bool reply);
  void handle_ping(const Message& m, std::vector<Update>& corrections);
  void handle_ping_req(const Message& m);
  void handle_ack(const Message& m);

  // swim_state.cpp: the member state machine.
  void apply(const Update& u);
  // Forgets the dead or left member that changed state longest ago; false if all are live.
  bool make_room();
  void forget(std::map<MemberId, Member>::iterator it);
  void on_alive(const Update& u);
  void on_suspect(const Update& u);
  void on_dead(const Update& u);
  void on_self(const Update& u);
  void refute(std::uint64_t accused_incarnation);
  void correct_stale_accusation(const Member& m);
  void start_suspicion(Member& m, const std::optional<MemberId>& accuser);
  void confirm_suspicion(Member& m, const MemberId& confirmer);
  void arm_suspicion_timer(const MemberId& id);
  void suspicion_expired(const MemberId& id);
  // A window of probe_interval at whose end the suspect is dead unless a probe of it is acked.
  void open_final_window(const MemberId& id, Suspicion& s);
  void final_probe_acked(const MemberId& id);
  void set_state(Member& m, State s);
  void reap();
  Update update_of(const Member& m, std::optional<MemberId> from = std::nullopt) const;
  void broadcast(Update u) { broadcasts_.push(std::move(u)); }
  void emit(Event e, const Member& m, State before);
  Member& self_mut() { return members_.at(self_id_); }

  Environment env_;
  Config cfg_;
  MemberId self_id_;
  std::map<MemberId, Member> members_;
  std::vector<MemberId> others_; // the keys of members_ but ours, in the order we met them
  std::map<MemberId, Suspicion> suspicions_;
  std::map<MemberId, Probe> probes_;
  std::map<std::uint32_t, AckWaiter> ack_waiters_;
  BroadcastQueue broadcasts_;
  std::vector<MemberId> probe_order_;
  std::size_t probe_index_ = 0;
  std::vector<std::string> seeds_;
  std::set<TimerId> timers_;
  std::set<std::string> unknown_synced_;       // unknown senders we synced with this round
  std::vector<Update>* corrections_ = nullptr; // while a message is handled: news for its sender
  std::uint32_t next_seq_ = 1;
  TimerId probe_timer_ = 0, gossip_timer_ = 0, push_pull_timer_ = 0, reconnect_timer_ = 0,
          join_timer_ = 0;
  std::size_t live_count_ = 1; // alive or suspect members, ourselves included
  bool running_ = false;
  bool left_ = false;
  Stats stats_;
  Listener listener_;
  ProbeListener probe_listener_;
};

} // namespace ppp2p::net::membership
