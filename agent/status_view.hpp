// An agent's view of the cluster, as `ppp2p-runtime status` shows it, and its wire form on the
// status socket (schema/status.fbs).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ppp2p/net/bytes.hpp"

namespace ppp2p::agent {

struct PeerView {
  std::string id; // public key, hex
  std::string address;
  std::string state; // alive, suspect, dead, left
  std::uint64_t incarnation = 0;
  unsigned cores = 0;
  unsigned slots = 0;
  unsigned free_slots = 0;
  double speed = 0;
  double load = 0;
  bool is_self = false;
  std::uint64_t since_ms = 0;
};

struct VcView {
  std::string id; // 16 hex digits
  std::string module;
  unsigned quota = 0;
  unsigned workers = 0;
  unsigned enrolling = 0;
  std::uint64_t queued = 0;
  std::uint64_t placed = 0;
  std::uint64_t spawned = 0;
  std::uint64_t finished = 0;
  std::uint64_t resumed = 0;
  std::uint64_t migrated = 0;
  std::uint64_t lost = 0;
};

struct EnrolmentView {
  std::string deployer;
  std::string vc;
  std::string module;
  std::string state;
  unsigned slots = 0;
  std::uint64_t queued = 0;
  std::uint64_t running = 0;
  int executor_pid = 0;
  std::uint64_t finished = 0;
  std::uint64_t executor_starts = 0;
};

struct StatusView {
  std::string version;
  std::string self_id;
  std::string self_address;
  std::string data_dir;
  std::uint64_t uptime_ms = 0;
  std::vector<PeerView> peers; // every member known, ourselves included, sorted by address
  unsigned links_out = 0;
  unsigned links_in = 0;
  std::uint64_t handshakes_failed = 0;
  std::vector<VcView> vcs;               // deployed for this agent's clients
  std::vector<EnrolmentView> enrolments; // worked for
  std::uint64_t modules_cached = 0;
  std::uint64_t modules_fetched = 0;
  std::uint64_t module_bytes_fetched = 0;
  unsigned free_slots = 0;
  std::uint64_t vts_finished = 0;
  std::uint64_t replicas_kept = 0; // checkpoints of other workers' VTs kept here
  std::uint64_t replica_bytes = 0;
};

inline constexpr std::size_t kMaxStatusFrame = 16u << 20;

net::Bytes encode_status_request();
bool is_status_request(net::ByteView bytes);
net::Bytes encode_status_reply(const StatusView& view);
// nullopt when bytes are not a valid reply.
std::optional<StatusView> decode_status_reply(net::ByteView bytes);

// {"self": {...}, "peers": [{...}, ...]}
std::string status_json(const StatusView& view);
// A table for people.
std::string status_table(const StatusView& view);

} // namespace ppp2p::agent
