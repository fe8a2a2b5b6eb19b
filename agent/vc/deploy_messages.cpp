#include "deploy_messages.hpp"

#include <cstring>

#include "deploy_generated.h"
#include "ppp2p/net/flatbuffer_util.hpp"

namespace ppp2p::agent::vc {

namespace fb = ppp2p::wire::deploy;
using flatbuffers::FlatBufferBuilder;
using flatbuffers::Offset;

namespace {

constexpr std::size_t kMaxMessage = 80u << 20; // 64 MiB of arguments or results, and slack
constexpr std::size_t kMaxText = 1u << 20;

using U8Vector = flatbuffers::Vector<std::uint8_t>;

Offset<U8Vector> aligned_bytes(FlatBufferBuilder& fbb, const std::uint8_t* data, std::size_t n) {
  fbb.ForceVectorAlignment(n, 1, 8);
  return fbb.CreateVector(data, n);
}

Offset<U8Vector> aligned_bytes(FlatBufferBuilder& fbb, const std::vector<std::byte>& v) {
  return aligned_bytes(fbb, reinterpret_cast<const std::uint8_t*>(v.data()), v.size());
}

Offset<flatbuffers::String> text(FlatBufferBuilder& fbb, const std::string& s) {
  return s.empty() ? 0 : fbb.CreateString(s);
}

std::vector<std::byte> byte_copy(const U8Vector* v) {
  if (!v)
    return {};
  const auto* p = reinterpret_cast<const std::byte*>(v->data());
  return {p, p + v->size()};
}

bool hash_of(const U8Vector* v, ModuleHash& out) {
  if (!v || v->size() != out.size())
    return false;
  std::memcpy(out.data(), v->data(), out.size());
  return true;
}

bool text_of(const flatbuffers::String* s, std::string& out) {
  if (s && s->size() > kMaxText)
    return false;
  out = s ? s->str() : std::string();
  return true;
}

struct Encoder {
  FlatBufferBuilder& fbb;
  std::pair<fb::Body, Offset<void>> operator()(const EnrolRequest& m) {
    auto h = fbb.CreateVector(m.module.data(), m.module.size());
    return {
        fb::Body::EnrolRequest,
        fb::CreateEnrolRequest(fbb, m.vc, h, m.module_size, m.slots, m.memory_limit_mib).Union()};
  }
  std::pair<fb::Body, Offset<void>> operator()(const EnrolReply& m) {
    return {fb::Body::EnrolReply,
            fb::CreateEnrolReply(fbb, m.accepted, m.slots, text(fbb, m.reason)).Union()};
  }
  std::pair<fb::Body, Offset<void>> operator()(const FetchChunk& m) {
    auto h = fbb.CreateVector(m.module.data(), m.module.size());
    return {fb::Body::FetchChunk, fb::CreateFetchChunk(fbb, h, m.offset, m.length).Union()};
  }
  std::pair<fb::Body, Offset<void>> operator()(const Chunk& m) {
    auto d = aligned_bytes(fbb, m.data.data(), m.data.size());
    return {fb::Body::Chunk, fb::CreateChunk(fbb, d, text(fbb, m.error)).Union()};
  }
  std::pair<fb::Body, Offset<void>> operator()(const Spawn& m) {
    const SpawnRequest& r = m.request;
    auto args = aligned_bytes(fbb, r.args);
    Offset<U8Vector> snapshot;
    if (r.snapshot)
      snapshot = aligned_bytes(fbb, *r.snapshot);
    return {fb::Body::Spawn, fb::CreateSpawn(fbb, m.vc, r.vt, r.entry, r.function, args, snapshot,
                                             r.effect, r.replay_through, r.from_replica)
                                 .Union()};
  }
  std::pair<fb::Body, Offset<void>> operator()(const Cancel& m) {
    return {fb::Body::Cancel, fb::CreateCancel(fbb, m.vc, m.vt).Union()};
  }
  std::pair<fb::Body, Offset<void>> operator()(const Release& m) {
    return {fb::Body::Release, fb::CreateRelease(fbb, m.vc).Union()};
  }
  std::pair<fb::Body, Offset<void>> operator()(const Resign& m) {
    return {fb::Body::Resign, fb::CreateResign(fbb, m.vc, text(fbb, m.reason)).Union()};
  }
  std::pair<fb::Body, Offset<void>> operator()(const Event& m) {
    const VtEvent& e = m.event;
    auto value = aligned_bytes(fbb, e.value);
    auto type = text(fbb, e.type);
    auto what = text(fbb, e.what);
    return {fb::Body::Event,
            fb::CreateEvent(fbb, m.vc, e.vt, static_cast<fb::EventKind>(e.kind),
                            static_cast<fb::FailureKind>(e.failure), value, type, what, e.effect)
                .Union()};
  }
  std::pair<fb::Body, Offset<void>> operator()(const Capture& m) {
    return {fb::Body::Capture, fb::CreateCapture(fbb, m.vc, m.vt).Union()};
  }
  std::pair<fb::Body, Offset<void>> operator()(const ToVt& m) {
    auto frame = aligned_bytes(fbb, m.frame);
    return {fb::Body::ToVt, fb::CreateToVt(fbb, m.vc, m.vt, frame).Union()};
  }
  std::pair<fb::Body, Offset<void>> operator()(const Replica& m) {
    auto snapshot = aligned_bytes(fbb, m.snapshot);
    return {fb::Body::Replica, fb::CreateReplica(fbb, m.vc, m.vt, m.effect, snapshot).Union()};
  }
  std::pair<fb::Body, Offset<void>> operator()(const ReplicaKept& m) {
    return {fb::Body::ReplicaKept, fb::CreateReplicaKept(fbb, m.vc, m.vt, m.effect).Union()};
  }
};

std::size_t size_hint(const Message& m) {
  if (const auto* s = std::get_if<Spawn>(&m))
    return s->request.args.size() + (s->request.snapshot ? s->request.snapshot->size() : 0) + 128;
  if (const auto* t = std::get_if<ToVt>(&m))
    return t->frame.size() + 128;
  if (const auto* r = std::get_if<Replica>(&m))
    return r->snapshot.size() + 128;
  if (const auto* e = std::get_if<Event>(&m))
    return e->event.value.size() + e->event.what.size() + e->event.type.size() + 128;
  if (const auto* c = std::get_if<Chunk>(&m))
    return c->data.size() + 128;
  return 256;
}

std::optional<Message> fail(std::string& error, const char* why) {
  error = why;
  return std::nullopt;
}

} // namespace

std::string hex(const ModuleHash& h) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::uint8_t b : h) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

net::Bytes encode(const Message& m) {
  FlatBufferBuilder fbb(size_hint(m));
  auto [type, body] = std::visit(Encoder{fbb}, m);
  fbb.Finish(fb::CreateMessage(fbb, type, body), fb::MessageIdentifier());
  return net::to_bytes(fbb);
}

std::optional<Message> decode(net::ByteView bytes, std::string& error) {
  net::Bytes storage;
  const auto* m = net::verified_root<fb::Message>(net::aligned(bytes, storage),
                                                  fb::MessageIdentifier(), kMaxMessage);
  if (!m)
    return fail(error, "not a valid deploy message");
  if (!m->body()) // the verifier accepts a union type without a value
    return fail(error, "deploy message without a body");
  switch (m->body_type()) {
  case fb::Body::EnrolRequest: {
    const auto* r = m->body_as_EnrolRequest();
    EnrolRequest out{r->vc(), {}, r->module_size(), r->slots(), r->memory_limit_mib()};
    if (!hash_of(r->module_hash(), out.module))
      return fail(error, "enrol request without a 32-byte module hash");
    if (out.module_size == 0 || out.module_size > kMaxModuleSize)
      return fail(error, "enrol request with a module size out of range (1 B to 1 GiB)");
    if (out.slots > kMaxSlots)
      return fail(error, "enrol request with more than 4096 slots");
    return out;
  }
  case fb::Body::EnrolReply: {
    const auto* r = m->body_as_EnrolReply();
    EnrolReply out{r->accepted(), r->slots(), {}};
    if (!text_of(r->reason(), out.reason) || out.slots > kMaxSlots ||
        (out.accepted && out.slots == 0))
      return fail(error, "enrol reply out of range");
    return out;
  }
  case fb::Body::FetchChunk: {
    const auto* r = m->body_as_FetchChunk();
    FetchChunk out{{}, r->offset(), r->length()};
    if (!hash_of(r->module_hash(), out.module) || out.length == 0 || out.length > kMaxChunk ||
        out.offset >= kMaxModuleSize)
      return fail(error, "chunk request out of range");
    return out;
  }
  case fb::Body::Chunk: {
    const auto* r = m->body_as_Chunk();
    Chunk out;
    if (r->data()) {
      if (r->data()->size() > kMaxChunk)
        return fail(error, "chunk larger than 1 MiB");
      out.data.assign(r->data()->begin(), r->data()->end());
    }
    if (!text_of(r->error(), out.error))
      return fail(error, "chunk error text too long");
    return out;
  }
  case fb::Body::Spawn: {
    const auto* r = m->body_as_Spawn();
    Spawn out{r->vc(), SpawnRequest{r->vt(), r->entry(), r->function(), byte_copy(r->args())}};
    if (r->snapshot())
      out.request.snapshot = byte_copy(r->snapshot());
    out.request.effect = r->effect();
    out.request.replay_through = r->replay_through();
    out.request.from_replica = r->from_replica();
    if (out.request.from_replica && out.request.snapshot)
      return fail(error, "a spawn from a replica carries no snapshot");
    return out;
  }
  case fb::Body::Cancel:
    return Cancel{m->body_as_Cancel()->vc(), m->body_as_Cancel()->vt()};
  case fb::Body::Release:
    return Release{m->body_as_Release()->vc()};
  case fb::Body::Resign: {
    Resign out{m->body_as_Resign()->vc(), {}};
    if (!text_of(m->body_as_Resign()->reason(), out.reason))
      return fail(error, "resignation reason too long");
    return out;
  }
  case fb::Body::Event: {
    const auto* r = m->body_as_Event();
    if (r->kind() > fb::EventKind::MAX || r->kind() == fb::EventKind::rebalance ||
        r->failure() > fb::FailureKind::MAX)
      return fail(error, "event kind out of range");
    Event out;
    out.vc = r->vc();
    out.event.vt = r->vt();
    out.event.kind = static_cast<VtEvent::Kind>(r->kind());
    out.event.failure = static_cast<VtEvent::Failure>(r->failure());
    out.event.value = byte_copy(r->value());
    out.event.effect = r->effect();
    if (!text_of(r->type(), out.event.type) || !text_of(r->what(), out.event.what))
      return fail(error, "event text too long");
    return out;
  }
  case fb::Body::Capture:
    return Capture{m->body_as_Capture()->vc(), m->body_as_Capture()->vt()};
  case fb::Body::ToVt: {
    const auto* r = m->body_as_ToVt();
    return ToVt{r->vc(), r->vt(), byte_copy(r->frame())};
  }
  case fb::Body::Replica: {
    const auto* r = m->body_as_Replica();
    return Replica{r->vc(), r->vt(), r->effect(), byte_copy(r->snapshot())};
  }
  case fb::Body::ReplicaKept: {
    const auto* r = m->body_as_ReplicaKept();
    return ReplicaKept{r->vc(), r->vt(), r->effect()};
  }
  default:
    return fail(error, "deploy message of an unknown kind");
  }
}

} // namespace ppp2p::agent::vc
