#include "vc/agent_link/client_protocol.hpp"

#include <cmath>
#include <cstring>
#include <flatbuffers/flatbuffers.h>

#include "client_generated.h"

namespace ppp2p::detail::client_wire {

namespace fb = ppp2p::wire::client;

namespace {

constexpr unsigned kMaxReplicas = 16;
constexpr std::size_t kMaxString = 1u << 20;

void append_frame(Bytes& out, flatbuffers::FlatBufferBuilder& fbb, fb::Body type,
                  flatbuffers::Offset<void> body) {
  fbb.Finish(fb::CreateFrame(fbb, type, body), fb::FrameIdentifier());
  auto size = static_cast<std::uint32_t>(fbb.GetSize());
  std::size_t at = out.size();
  out.resize(at + kFrameHeader + size);
  for (int i = 0; i < 4; ++i)
    out[at + i] = static_cast<std::uint8_t>(size >> (8 * i));
  std::memcpy(out.data() + at + kFrameHeader, fbb.GetBufferPointer(), size);
}

template <class T> flatbuffers::Offset<void> erase(flatbuffers::Offset<T> o) {
  return o.Union();
}

flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>>
byte_vector(flatbuffers::FlatBufferBuilder& fbb, const std::vector<std::byte>& v) {
  fbb.ForceVectorAlignment(v.size(), 1, 8);
  return fbb.CreateVector(reinterpret_cast<const std::uint8_t*>(v.data()), v.size());
}

std::vector<std::byte> bytes_of(const flatbuffers::Vector<std::uint8_t>* v) {
  if (!v)
    return {};
  const auto* p = reinterpret_cast<const std::byte*>(v->data());
  return std::vector<std::byte>(p, p + v->size());
}

std::string str(const flatbuffers::String* s) {
  return s ? s->str() : std::string();
}

// The verified root of payload, copied to aligned storage first when it sits at an odd
// address (FlatBuffers reads scalars in place).
const fb::Frame* verified(ByteView payload, Bytes& storage, std::string& error) {
  if (payload.size() > kMaxFrame) {
    error = "frame of " + std::to_string(payload.size()) + " bytes exceeds the 80 MiB limit";
    return nullptr;
  }
  const std::uint8_t* data = payload.data();
  if (reinterpret_cast<std::uintptr_t>(data) % 8 != 0) {
    storage.assign(payload.begin(), payload.end());
    data = storage.data();
  }
  flatbuffers::Verifier verifier(data, payload.size(), 16, 10'000'000);
  if (payload.size() < 8 || !verifier.VerifyBuffer<fb::Frame>(fb::FrameIdentifier())) {
    error = "frame is not a valid client-link message";
    return nullptr;
  }
  const fb::Frame* f = flatbuffers::GetRoot<fb::Frame>(data);
  if (f->body_type() == fb::Body::NONE || !f->body()) {
    error = "frame carries no message";
    return nullptr;
  }
  return f;
}

bool too_long(const flatbuffers::String* s, std::size_t limit) {
  return s && s->size() > limit;
}

std::optional<VcRequest> decode_create(const fb::CreateVc& c, std::string& error) {
  if (c.protocol() != 1) {
    error = "client speaks protocol " + std::to_string(c.protocol()) + ", this agent speaks 1";
    return std::nullopt;
  }
  if (c.workers() > kMaxWorkers) {
    error = "workers must be at most " + std::to_string(kMaxWorkers);
    return std::nullopt;
  }
  if (c.slots_per_worker() > kMaxSlots) {
    error = "slots per worker must be at most " + std::to_string(kMaxSlots);
    return std::nullopt;
  }
  if (!std::isfinite(c.min_speed()) || c.min_speed() < 0) {
    error = "min_speed must be a finite number >= 0";
    return std::nullopt;
  }
  if (c.enrol_timeout_ms() == 0 || c.enrol_timeout_ms() > kMaxEnrolTimeoutMs) {
    error = "enrol timeout must be between 1 ms and 1 hour";
    return std::nullopt;
  }
  std::string path = str(c.module_path());
  if (path.empty() || path.size() > kMaxModulePath || path[0] != '/' ||
      path.find('\0') != std::string::npos) {
    error = "module path must be an absolute path of at most 4096 bytes";
    return std::nullopt;
  }
  VcRequest r;
  r.workers = c.workers();
  r.slots_per_worker = c.slots_per_worker();
  r.min_speed = c.min_speed();
  r.enrol_timeout = std::chrono::milliseconds(c.enrol_timeout_ms());
  r.module_path = std::move(path);
  r.balance_load = c.balance_load();
  if (c.replicas() > kMaxReplicas) {
    error = "replicas must be at most " + std::to_string(kMaxReplicas);
    return std::nullopt;
  }
  r.replicas = c.replicas();
  if (c.memory_limit_mib() != 0 &&
      (c.memory_limit_mib() < 64 || c.memory_limit_mib() > (1ull << 30))) {
    error = "memory_limit_mib must be 0 or from 64 to 2^30";
    return std::nullopt;
  }
  r.memory_limit_mib = c.memory_limit_mib();
  return r;
}

} // namespace

std::uint32_t frame_length(const std::uint8_t* h) noexcept {
  return static_cast<std::uint32_t>(h[0]) | static_cast<std::uint32_t>(h[1]) << 8 |
         static_cast<std::uint32_t>(h[2]) << 16 | static_cast<std::uint32_t>(h[3]) << 24;
}

void append_create(Bytes& out, const VcRequest& r) {
  flatbuffers::FlatBufferBuilder fbb(256 + r.module_path.size());
  auto body = fb::CreateCreateVcDirect(fbb, 1, r.workers, r.slots_per_worker, r.min_speed,
                                       static_cast<std::uint64_t>(r.enrol_timeout.count()),
                                       r.module_path.c_str(), r.balance_load, r.replicas,
                                       r.memory_limit_mib);
  append_frame(out, fbb, fb::Body::CreateVc, erase(body));
}

void append_spawns(Bytes& out, const std::vector<SpawnRequest>& spawns, std::size_t begin,
                   std::size_t end) {
  std::size_t bytes = 64;
  for (std::size_t i = begin; i < end; ++i)
    bytes += spawns[i].args.size() + (spawns[i].snapshot ? spawns[i].snapshot->size() : 0) + 64;
  flatbuffers::FlatBufferBuilder fbb(bytes);
  std::vector<flatbuffers::Offset<fb::Spawn>> list;
  list.reserve(end - begin);
  for (std::size_t i = begin; i < end; ++i) {
    const SpawnRequest& s = spawns[i];
    auto args = byte_vector(fbb, s.args);
    flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>> snapshot;
    if (s.snapshot)
      snapshot = byte_vector(fbb, *s.snapshot);
    auto avoid = s.avoid.empty() ? 0 : fbb.CreateString(s.avoid);
    auto to = s.to.empty() ? 0 : fbb.CreateString(s.to);
    list.push_back(fb::CreateSpawn(fbb, s.vt, s.entry, s.function, args, snapshot, s.effect,
                                   s.replay_through, avoid, to));
  }
  append_frame(out, fbb, fb::Body::SpawnBatch, erase(fb::CreateSpawnBatchDirect(fbb, &list)));
}

void append_cancel(Bytes& out, VtNumber vt) {
  flatbuffers::FlatBufferBuilder fbb(64);
  append_frame(out, fbb, fb::Body::Cancel, erase(fb::CreateCancel(fbb, vt)));
}

void append_release(Bytes& out) {
  flatbuffers::FlatBufferBuilder fbb(64);
  append_frame(out, fbb, fb::Body::Release, erase(fb::CreateRelease(fbb)));
}

void append_capture(Bytes& out, VtNumber vt) {
  flatbuffers::FlatBufferBuilder fbb(64);
  append_frame(out, fbb, fb::Body::Capture, erase(fb::CreateCapture(fbb, vt)));
}

void append_to_vt(Bytes& out, VtNumber vt, const std::vector<std::byte>& frame) {
  flatbuffers::FlatBufferBuilder fbb(frame.size() + 64);
  auto bytes = byte_vector(fbb, frame);
  append_frame(out, fbb, fb::Body::ToVt, erase(fb::CreateToVt(fbb, vt, bytes)));
}

void append_created(Bytes& out, const VcCreated& c) {
  flatbuffers::FlatBufferBuilder fbb(128);
  auto names = fbb.CreateVectorOfStrings(c.names);
  append_frame(
      out, fbb, fb::Body::VcCreated,
      erase(fb::CreateVcCreated(fbb, c.vc, c.workers, fbb.CreateString(c.module_hash), names)));
}

void append_refused(Bytes& out, const std::string& reason) {
  flatbuffers::FlatBufferBuilder fbb(128 + reason.size());
  append_frame(out, fbb, fb::Body::VcRefused,
               erase(fb::CreateVcRefusedDirect(fbb, reason.c_str())));
}

void append_workers(Bytes& out, const WorkersChanged& w) {
  flatbuffers::FlatBufferBuilder fbb(64);
  auto names = fbb.CreateVectorOfStrings(w.names);
  append_frame(out, fbb, fb::Body::WorkersChanged,
               erase(fb::CreateWorkersChanged(fbb, w.workers, names)));
}

void append_events(Bytes& out, const std::vector<VtEvent>& events) {
  std::size_t size = 64;
  for (const VtEvent& e : events)
    size += e.value.size() + e.type.size() + e.what.size() + e.peer.size() + 64;
  flatbuffers::FlatBufferBuilder fbb(size);
  std::vector<flatbuffers::Offset<fb::VtEvent>> list;
  list.reserve(events.size());
  for (const VtEvent& e : events) {
    auto value = byte_vector(fbb, e.value);
    auto type = e.type.empty() ? 0 : fbb.CreateString(e.type);
    auto what = e.what.empty() ? 0 : fbb.CreateString(e.what);
    auto peer = e.peer.empty() ? 0 : fbb.CreateString(e.peer);
    list.push_back(fb::CreateVtEvent(fbb, e.vt, static_cast<fb::EventKind>(e.kind),
                                     static_cast<fb::FailureKind>(e.failure), value, type, what,
                                     peer, e.effect));
  }
  append_frame(out, fbb, fb::Body::EventBatch, erase(fb::CreateEventBatchDirect(fbb, &list)));
}

std::optional<ToAgent> decode_to_agent(ByteView payload, std::string& error) {
  Bytes storage;
  const fb::Frame* f = verified(payload, storage, error);
  if (!f)
    return std::nullopt;
  switch (f->body_type()) {
  case fb::Body::CreateVc: {
    auto r = decode_create(*f->body_as_CreateVc(), error);
    if (!r)
      return std::nullopt;
    return ToAgent(std::move(*r));
  }
  case fb::Body::SpawnBatch: {
    std::vector<SpawnRequest> out;
    if (const auto* list = f->body_as_SpawnBatch()->spawns()) {
      out.reserve(list->size());
      for (const fb::Spawn* s : *list) {
        SpawnRequest r{s->vt(), s->entry(), s->function(), bytes_of(s->args())};
        if (s->snapshot())
          r.snapshot = bytes_of(s->snapshot());
        r.effect = s->effect();
        r.replay_through = s->replay_through();
        if (s->avoid())
          r.avoid = s->avoid()->str();
        if (s->to())
          r.to = s->to()->str();
        out.push_back(std::move(r));
      }
    }
    return ToAgent(std::move(out));
  }
  case fb::Body::Cancel:
    return ToAgent(Cancel{f->body_as_Cancel()->vt()});
  case fb::Body::Release:
    return ToAgent(Release{});
  case fb::Body::Capture:
    return ToAgent(Capture{f->body_as_Capture()->vt()});
  case fb::Body::ToVt:
    return ToAgent(ToVt{f->body_as_ToVt()->vt(), bytes_of(f->body_as_ToVt()->frame())});
  default:
    error = "the client sent a message meant for clients";
    return std::nullopt;
  }
}

namespace {
// The enrolled workers' names: as many as the VC could have, each as long as an address.
std::optional<std::vector<std::string>>
worker_names(const flatbuffers::Vector<flatbuffers::Offset<flatbuffers::String>>* list,
             std::string& error) {
  std::vector<std::string> names;
  if (!list)
    return names;
  if (list->size() > 65536) {
    error = "too many worker names";
    return std::nullopt;
  }
  for (const flatbuffers::String* name : *list) {
    if (!name || too_long(name, 512)) {
      error = "a worker name is missing or too long";
      return std::nullopt;
    }
    names.push_back(name->str());
  }
  return names;
}
} // namespace

std::optional<ToClient> decode_to_client(ByteView payload, std::string& error) {
  Bytes storage;
  const fb::Frame* f = verified(payload, storage, error);
  if (!f)
    return std::nullopt;
  switch (f->body_type()) {
  case fb::Body::VcCreated: {
    const auto* c = f->body_as_VcCreated();
    if (too_long(c->module_hash(), 128)) {
      error = "module hash too long";
      return std::nullopt;
    }
    auto names = worker_names(c->names(), error);
    if (!names)
      return std::nullopt;
    return ToClient(VcCreated{c->vc(), c->workers(), str(c->module_hash()), std::move(*names)});
  }
  case fb::Body::VcRefused: {
    const auto* r = f->body_as_VcRefused();
    if (too_long(r->reason(), kMaxString)) {
      error = "reason too long";
      return std::nullopt;
    }
    return ToClient(VcRefused{str(r->reason())});
  }
  case fb::Body::WorkersChanged: {
    const auto* w = f->body_as_WorkersChanged();
    auto names = worker_names(w->names(), error);
    if (!names)
      return std::nullopt;
    return ToClient(WorkersChanged{w->workers(), std::move(*names)});
  }
  case fb::Body::EventBatch: {
    std::vector<VtEvent> out;
    if (const auto* list = f->body_as_EventBatch()->events()) {
      out.reserve(list->size());
      for (const fb::VtEvent* e : *list) {
        if (e->kind() > fb::EventKind::MAX || e->failure() > fb::FailureKind::MAX ||
            too_long(e->type(), kMaxString) || too_long(e->what(), kMaxString) ||
            too_long(e->peer(), kMaxString)) {
          error = "event out of range";
          return std::nullopt;
        }
        VtEvent v;
        v.kind = static_cast<VtEvent::Kind>(e->kind());
        v.failure = static_cast<VtEvent::Failure>(e->failure());
        v.vt = e->vt();
        v.value = bytes_of(e->value());
        v.type = str(e->type());
        v.what = str(e->what());
        v.peer = str(e->peer());
        v.effect = e->effect();
        out.push_back(std::move(v));
      }
    }
    return ToClient(std::move(out));
  }
  default:
    error = "the agent sent a message meant for agents";
    return std::nullopt;
  }
}

} // namespace ppp2p::detail::client_wire
