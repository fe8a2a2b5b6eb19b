#include "status_view.hpp"

#include <cstdio>
#include <sstream>

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
  auto reply = fb::CreateReplyDirect(fbb, v.version.c_str(), v.self_id.c_str(),
                                     v.self_address.c_str(), v.data_dir.c_str(), v.uptime_ms,
                                     &peers, v.links_out, v.links_in, v.handshakes_failed);
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
  return v;
}

namespace {

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
    case '"':
      out += "\\\"";
      break;
    case '\\':
      out += "\\\\";
      break;
    case '\n':
      out += "\\n";
      break;
    default:
      if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  return out + "\"";
}

std::string json_number(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", d);
  return buf;
}

} // namespace

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
  o << (v.peers.empty() ? "]}\n" : "\n ]}\n");
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
  return o.str();
}

} // namespace ppp2p::agent
