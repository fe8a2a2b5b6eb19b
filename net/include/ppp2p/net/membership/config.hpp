// SWIM parameters, and the pure functions derived from them.
#pragma once

#include <cstddef>

#include "ppp2p/net/timer.hpp"

namespace ppp2p::net::membership {

struct Config {
  // Failure detection.
  Millis probe_interval{400}; // one probe per interval, round robin over shuffled members
  Millis probe_timeout{200};  // direct ack deadline; then ask indirect_checks others
  std::size_t indirect_checks = 3;
  // Suspicion (Lifeguard-style): the timeout starts at max_mult * min and shrinks towards
  // min = suspicion_mult * max(1, log10 n) * probe_interval as others confirm the suspicion.
  double suspicion_mult = 3;
  double suspicion_max_mult = 4;
  // When the timeout passes, the suspect is probed again, once per probe_interval; it is
  // declared dead after this many of these final probes fail in a row.
  std::size_t final_probes = 2;

  // Dissemination.
  std::size_t retransmit_mult = 4; // each update is sent retransmit_mult * ceil(log10(n+1)) times
  std::size_t max_piggyback = 16;  // updates per message
  Millis gossip_interval{200};
  std::size_t gossip_fanout = 3;
  Millis gossip_to_dead{4000}; // keep gossiping to a member this long after its death

  // Anti-entropy and healing.
  Millis push_pull_interval{10000}; // full state exchange with a random member; scaled up
                                    // for large clusters (push_pull_period())
  Millis reconnect_interval{2000};  // full state exchange with a random dead member (partitions)
  Millis join_retry_interval{1000}; // while alone, retry the seeds this often
  Millis dead_retention{300000};    // dead and left members are forgotten after this
  Millis leave_linger{300};         // after announcing a leave, keep serving gossip this long

  std::size_t max_message = 4u << 20;
  // Members kept, ourselves and dead ones included: a member heard of beyond it takes the place
  // of the dead or left member that changed state longest ago, or is not added (and counted in
  // Stats::members_refused) while every member kept is live. Bounds what gossip, including a
  // hostile member's, can make us hold.
  std::size_t max_members = 16384;

  // Defaults for a LAN: a crashed member is declared dead by everyone in about 2-3 s.
  static Config lan() { return {}; }
};

// How long a suspicion lasts before the suspect is declared dead, given the number of
// members and the independent confirmations received so far.
Millis suspicion_timeout(const Config& cfg, std::size_t members, std::size_t confirmations);

// The push-pull period for a cluster of `members`: the configured interval up to 32 members,
// then one more interval for every doubling, so that full-state traffic grows only slowly.
Millis push_pull_period(const Config& cfg, std::size_t members);

// How many times each update is piggybacked before it is dropped from the queue.
std::size_t retransmit_limit(const Config& cfg, std::size_t members);

} // namespace ppp2p::net::membership
