#include "status_view.hpp"

#include <cstdio>
#include <sstream>

#include "json_text.hpp"
#include "ppp2p/net/flatbuffer_util.hpp"
#include "status_generated.h"

namespace ppp2p::agent {

namespace fb = ppp2p::wire::status;

net::Bytes encode_status_request() {
  flatbuffers::FlatBufferBuilder fbb(64);
  fbb.Finish(fb::CreateMessage(fbb, fb::CreateRequest(fbb)), fb::MessageIdentifier());
  return net::to_bytes(fbb);
}

bool is_status_request(net::ByteView bytes) {
  net::Bytes storage;
  const auto* m =
      net::verified_root<fb::Message>(net::aligned(bytes, storage), fb::MessageIdentifier(), 1024);
  return m && m->request();
}

net::Bytes encode_status_reply(const StatusView& v) {
  flatbuffers::FlatBufferBuilder fbb(1024 + 256 * v.peers.size());
  std::vector<flatbuffers::Offset<fb::Peer>> peers;
  for (const PeerView& p : v.peers)
    peers.push_back(fb::CreatePeerDirect(
        fbb, p.id.c_str(), p.address.c_str(), p.state.c_str(), p.incarnation,
        static_cast<std::uint16_t>(p.cores), static_cast<std::uint16_t>(p.slots),
        static_cast<std::uint16_t>(p.free_slots), static_cast<float>(p.speed),
        static_cast<float>(p.load), p.is_self, p.since_ms));
  std::vector<flatbuffers::Offset<fb::Vc>> vcs;
  for (const VcView& c : v.vcs)
    vcs.push_back(fb::CreateVcDirect(fbb, c.id.c_str(), c.module.c_str(), c.quota, c.workers,
                                     c.enrolling, c.queued, c.placed, c.spawned, c.finished,
                                     c.resumed, c.migrated, c.lost));
  std::vector<flatbuffers::Offset<fb::Enrolment>> enrolments;
  for (const EnrolmentView& e : v.enrolments)
    enrolments.push_back(fb::CreateEnrolmentDirect(
        fbb, e.deployer.c_str(), e.vc.c_str(), e.module.c_str(), e.state.c_str(), e.slots, e.queued,
        e.running, e.executor_pid, e.finished, e.executor_starts));
  auto reply = fb::CreateReplyDirect(
      fbb, v.version.c_str(), v.self_id.c_str(), v.self_address.c_str(), v.data_dir.c_str(),
      v.uptime_ms, &peers, v.links_out, v.links_in, v.handshakes_failed, &vcs, &enrolments,
      v.modules_cached, v.modules_fetched, v.module_bytes_fetched, v.free_slots, v.vts_finished,
      v.replicas_kept, v.replica_bytes);
  fbb.Finish(fb::CreateMessage(fbb, 0, reply), fb::MessageIdentifier());
  return net::to_bytes(fbb);
}

namespace {
std::string str(const flatbuffers::String* s) {
  return s ? s->str() : std::string();
}
} // namespace

std::optional<StatusView> decode_status_reply(net::ByteView bytes) {
  net::Bytes storage;
  const auto* m = net::verified_root<fb::Message>(net::aligned(bytes, storage),
                                                  fb::MessageIdentifier(), kMaxStatusFrame);
  if (!m || !m->reply())
    return std::nullopt;
  const fb::Reply* r = m->reply();
  StatusView v;
  v.version = str(r->version());
  v.self_id = str(r->self_id());
  v.self_address = str(r->self_address());
  v.data_dir = str(r->data_dir());
  v.uptime_ms = r->uptime_ms();
  v.links_out = r->links_out();
  v.links_in = r->links_in();
  v.handshakes_failed = r->handshakes_failed();
  if (r->peers())
    for (const fb::Peer* p : *r->peers())
      v.peers.push_back({str(p->id()), str(p->address()), str(p->state()), p->incarnation(),
                         p->cores(), p->slots(), p->free_slots(), p->speed(), p->load(),
                         p->is_self(), p->since_ms()});
  if (r->vcs())
    for (const fb::Vc* c : *r->vcs())
      v.vcs.push_back({str(c->id()), str(c->module_()), c->quota(), c->workers(), c->enrolling(),
                       c->queued(), c->placed(), c->spawned(), c->finished(), c->resumed(),
                       c->migrated(), c->lost()});
  if (r->enrolments())
    for (const fb::Enrolment* e : *r->enrolments())
      v.enrolments.push_back({str(e->deployer()), str(e->vc()), str(e->module_()), str(e->state()),
                              e->slots(), e->queued(), e->running(), e->executor_pid(),
                              e->finished(), e->executor_starts()});
  v.modules_cached = r->modules_cached();
  v.modules_fetched = r->modules_fetched();
  v.module_bytes_fetched = r->module_bytes_fetched();
  v.free_slots = r->free_slots();
  v.vts_finished = r->vts_finished();
  v.replicas_kept = r->replicas_kept();
  v.replica_bytes = r->replica_bytes();
  return v;
}

std::string status_json(const StatusView& v) {
  std::ostringstream o;
  o << "{\"self\": {\"id\": " << json_string(v.self_id)
    << ", \"address\": " << json_string(v.self_address)
    << ", \"version\": " << json_string(v.version) << ", \"data_dir\": " << json_string(v.data_dir)
    << ", \"uptime_ms\": " << v.uptime_ms << ", \"links_out\": " << v.links_out
    << ", \"links_in\": " << v.links_in << ", \"handshakes_failed\": " << v.handshakes_failed
    << "},\n \"peers\": [";
  for (std::size_t i = 0; i < v.peers.size(); ++i) {
    const PeerView& p = v.peers[i];
    o << (i ? ",\n  " : "\n  ") << "{\"address\": " << json_string(p.address)
      << ", \"id\": " << json_string(p.id) << ", \"state\": " << json_string(p.state)
      << ", \"incarnation\": " << p.incarnation << ", \"cores\": " << p.cores
      << ", \"slots\": " << p.slots << ", \"free_slots\": " << p.free_slots
      << ", \"speed\": " << json_number(p.speed) << ", \"load\": " << json_number(p.load)
      << ", \"self\": " << (p.is_self ? "true" : "false") << ", \"since_ms\": " << p.since_ms
      << "}";
  }
  o << (v.peers.empty() ? "]" : "\n ]");
  o << ",\n \"vcs\": [";
  for (std::size_t i = 0; i < v.vcs.size(); ++i) {
    const VcView& c = v.vcs[i];
    o << (i ? ",\n  " : "\n  ") << "{\"id\": " << json_string(c.id)
      << ", \"module\": " << json_string(c.module) << ", \"quota\": " << c.quota
      << ", \"workers\": " << c.workers << ", \"enrolling\": " << c.enrolling
      << ", \"queued\": " << c.queued << ", \"placed\": " << c.placed
      << ", \"spawned\": " << c.spawned << ", \"finished\": " << c.finished
      << ", \"resumed\": " << c.resumed << ", \"migrated\": " << c.migrated
      << ", \"lost\": " << c.lost << "}";
  }
  o << "],\n \"enrolments\": [";
  for (std::size_t i = 0; i < v.enrolments.size(); ++i) {
    const EnrolmentView& e = v.enrolments[i];
    o << (i ? ",\n  " : "\n  ") << "{\"deployer\": " << json_string(e.deployer)
      << ", \"vc\": " << json_string(e.vc) << ", \"module\": " << json_string(e.module)
      << ", \"state\": " << json_string(e.state) << ", \"slots\": " << e.slots
      << ", \"queued\": " << e.queued << ", \"running\": " << e.running
      << ", \"executor_pid\": " << e.executor_pid << ", \"finished\": " << e.finished
      << ", \"executor_starts\": " << e.executor_starts << "}";
  }
  o << "],\n \"modules\": {\"cached\": " << v.modules_cached
    << ", \"fetched\": " << v.modules_fetched << ", \"bytes_fetched\": " << v.module_bytes_fetched
    << "}, \"free_slots\": " << v.free_slots << ", \"vts_finished\": " << v.vts_finished
    << ", \"replicas_kept\": " << v.replicas_kept << ", \"replica_bytes\": " << v.replica_bytes
    << "}\n";
  return o.str();
}

std::string status_table(const StatusView& v) {
  std::ostringstream o;
  o << "agent " << v.self_address << "  id " << v.self_id.substr(0, 16) << "  up "
    << v.uptime_ms / 1000 << " s  links out/in " << v.links_out << "/" << v.links_in << "\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %-8s %-8s %5s %5s %5s %8s %6s %10s\n", "ADDRESS", "ID",
                "STATE", "CORES", "SLOTS", "FREE", "SPEED", "LOAD", "SINCE");
  o << line;
  for (const PeerView& p : v.peers) {
    std::string since = std::to_string(p.since_ms / 1000) + " s";
    std::snprintf(line, sizeof line, "%-24s %-8s %-8s %5u %5u %5u %8.1f %6.2f %10s%s\n",
                  p.address.c_str(), p.id.substr(0, 8).c_str(), p.state.c_str(), p.cores, p.slots,
                  p.free_slots, p.speed, p.load, since.c_str(), p.is_self ? "  (this agent)" : "");
    o << line;
  }
  if (!v.vcs.empty()) {
    o << "virtual computers deployed here:\n";
    for (const VcView& c : v.vcs) {
      std::snprintf(
          line, sizeof line,
          "  %s  workers %u/%u (+%u asked)  VTs queued %llu, placed %llu, done %llu\n",
          c.id.c_str(), c.workers, c.quota, c.enrolling, static_cast<unsigned long long>(c.queued),
          static_cast<unsigned long long>(c.placed), static_cast<unsigned long long>(c.finished));
      o << line;
    }
  }
  if (!v.enrolments.empty()) {
    o << "working for:\n";
    for (const EnrolmentView& e : v.enrolments) {
      std::snprintf(line, sizeof line,
                    "  %s VC %s  %s  slots %u  running %llu, queued %llu, done %llu  pid %d\n",
                    e.deployer.c_str(), e.vc.c_str(), e.state.c_str(), e.slots,
                    static_cast<unsigned long long>(e.running),
                    static_cast<unsigned long long>(e.queued),
                    static_cast<unsigned long long>(e.finished), e.executor_pid);
      o << line;
    }
  }
  o << "modules cached " << v.modules_cached << ", fetched " << v.modules_fetched << "\n";
  if (v.replicas_kept > 0)
    o << "replicas of other workers' checkpoints kept: " << v.replicas_kept << " ("
      << v.replica_bytes << " bytes)\n";
  return o.str();
}

} // namespace ppp2p::agent
