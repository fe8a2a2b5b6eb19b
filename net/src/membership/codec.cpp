#include "ppp2p/net/membership/codec.hpp"

#include <cmath>
#include <cstring>

#include "membership_generated.h"
#include "ppp2p/net/error.hpp"
#include "ppp2p/net/flatbuffer_util.hpp"

namespace ppp2p::net::membership {

namespace fb = ppp2p::wire::membership;

std::string_view state_name(State s) noexcept {
  switch (s) {
  case State::alive:
    return "alive";
  case State::suspect:
    return "suspect";
  case State::dead:
    return "dead";
  case State::left:
    return "left";
  }
  return "unknown";
}

namespace {

fb::NodeId to_wire(const MemberId& id) {
  return fb::NodeId(flatbuffers::span<const uint8_t, 32>(id.bytes));
}

MemberId from_wire(const fb::NodeId* n) {
  MemberId id;
  std::memcpy(id.bytes.data(), n->bytes()->data(), id.bytes.size());
  return id;
}

flatbuffers::Offset<fb::Update> encode_update(flatbuffers::FlatBufferBuilder& fbb,
                                              const Update& u) {
  auto address = fbb.CreateString(u.address);
  auto meta =
      fb::CreateMeta(fbb, u.meta.cores, u.meta.slots, u.meta.free_slots, u.meta.speed, u.meta.load);
  fb::NodeId id = to_wire(u.id);
  std::optional<fb::NodeId> from;
  if (u.from)
    from = to_wire(*u.from);
  return fb::CreateUpdate(fbb, &id, address, u.incarnation, static_cast<fb::MemberState>(u.state),
                          meta, from ? &*from : nullptr);
}

flatbuffers::Offset<flatbuffers::Vector<flatbuffers::Offset<fb::Update>>>
encode_updates(flatbuffers::FlatBufferBuilder& fbb, const std::vector<Update>& updates) {
  std::vector<flatbuffers::Offset<fb::Update>> offsets;
  offsets.reserve(updates.size());
  for (const Update& u : updates)
    offsets.push_back(encode_update(fbb, u));
  return fbb.CreateVector(offsets);
}

bool sane_address(const flatbuffers::String* s) {
  if (!s || s->size() == 0 || s->size() > kMaxAddressLength)
    return false;
  for (unsigned char c : s->string_view())
    if (c <= ' ' || c >= 0x7f)
      return false;
  return true;
}

float finite_or_zero(float v) {
  return std::isfinite(v) && v >= 0 ? v : 0.0f;
}

bool decode_updates(const flatbuffers::Vector<flatbuffers::Offset<fb::Update>>* in,
                    std::vector<Update>& out) {
  if (!in)
    return true;
  if (in->size() > kMaxUpdatesPerMessage)
    return false;
  out.reserve(in->size());
  for (const fb::Update* u : *in) {
    if (!sane_address(u->address()) || u->state() > fb::MemberState::MAX)
      return false;
    Update d;
    d.id = from_wire(u->id());
    d.address = u->address()->str();
    d.incarnation = u->incarnation();
    d.state = static_cast<State>(u->state());
    if (const fb::Meta* m = u->meta()) {
      d.meta = {m->cores(), m->slots(), m->free_slots(), finite_or_zero(m->speed()),
                finite_or_zero(m->load())};
    }
    if (u->from())
      d.from = from_wire(u->from());
    out.push_back(std::move(d));
  }
  return true;
}

} // namespace

Bytes encode(const Message& m) {
  flatbuffers::FlatBufferBuilder fbb(256 + 128 * (m.gossip.size() + m.members.size()));
  auto sender_address = fbb.CreateString(m.sender_address);
  auto gossip = encode_updates(fbb, m.gossip);
  flatbuffers::Offset<void> body;
  fb::Body type = fb::Body::NONE;
  switch (m.kind) {
  case BodyKind::none:
    break;
  case BodyKind::ping: {
    std::optional<fb::NodeId> target;
    if (m.target)
      target = to_wire(*m.target);
    body = fb::CreatePing(fbb, m.seq, target ? &*target : nullptr).Union();
    type = fb::Body::Ping;
    break;
  }
  case BodyKind::ping_req: {
    fb::NodeId target = to_wire(m.target.value_or(MemberId{}));
    auto addr = fbb.CreateString(m.target_address);
    body = fb::CreatePingReq(fbb, m.seq, &target, addr).Union();
    type = fb::Body::PingReq;
    break;
  }
  case BodyKind::ack:
    body = fb::CreateAck(fbb, m.seq).Union();
    type = fb::Body::Ack;
    break;
  case BodyKind::nack:
    body = fb::CreateNack(fbb, m.seq).Union();
    type = fb::Body::Nack;
    break;
  case BodyKind::sync: {
    auto members = encode_updates(fbb, m.members);
    body = fb::CreateSync(fbb, members, m.reply).Union();
    type = fb::Body::Sync;
    break;
  }
  }
  fb::NodeId sender = to_wire(m.sender);
  fbb.Finish(fb::CreateMessage(fbb, &sender, sender_address, type, body, gossip),
             fb::MessageIdentifier());
  return to_bytes(fbb);
}

Result<Message> decode(ByteView bytes, std::size_t max_size) {
  Bytes storage;
  const auto* in =
      verified_root<fb::Message>(aligned(bytes, storage), fb::MessageIdentifier(), max_size);
  if (!in || !sane_address(in->sender_address()))
    return errc::frame_invalid;
  Message m;
  m.sender = from_wire(in->sender());
  m.sender_address = in->sender_address()->str();
  if (!decode_updates(in->gossip(), m.gossip))
    return errc::frame_invalid;
  if (in->body_type() != fb::Body::NONE && !in->body())
    return errc::frame_invalid; // a union type without its value
  switch (in->body_type()) {
  case fb::Body::NONE:
    break;
  case fb::Body::Ping: {
    const auto* p = in->body_as_Ping();
    m.kind = BodyKind::ping;
    m.seq = p->seq();
    if (p->target())
      m.target = from_wire(p->target());
    break;
  }
  case fb::Body::PingReq: {
    const auto* p = in->body_as_PingReq();
    if (!sane_address(p->target_address()))
      return errc::frame_invalid;
    m.kind = BodyKind::ping_req;
    m.seq = p->seq();
    m.target = from_wire(p->target());
    m.target_address = p->target_address()->str();
    break;
  }
  case fb::Body::Ack:
    m.kind = BodyKind::ack;
    m.seq = in->body_as_Ack()->seq();
    break;
  case fb::Body::Nack:
    m.kind = BodyKind::nack;
    m.seq = in->body_as_Nack()->seq();
    break;
  case fb::Body::Sync: {
    const auto* s = in->body_as_Sync();
    m.kind = BodyKind::sync;
    m.reply = s->reply();
    if (!decode_updates(s->members(), m.members))
      return errc::frame_invalid;
    break;
  }
  default:
    return errc::frame_invalid; // a body type from a newer version: not understood
  }
  return m;
}

} // namespace ppp2p::net::membership
