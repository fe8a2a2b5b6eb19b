#include "vc/executor/executor_protocol.hpp"

#include <flatbuffers/flatbuffers.h>
#include <stdexcept>

#include "executor_generated.h"
#include "vc/framing/aligned_frame.hpp"

namespace ppp2p::detail::executor_wire {

namespace fb = ppp2p::wire::executor;

namespace {

// The verifier walks at most this much: the link's messages are one table and a union deep.
constexpr unsigned kMaxDepth = 8;
constexpr unsigned kMaxTables = 64;

// 8-byte aligned within the frame, so that a reader may take values in place.
flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>>
byte_vector(flatbuffers::FlatBufferBuilder& fbb, ByteView bytes) {
  fbb.ForceVectorAlignment(bytes.size(), 1, 8);
  return fbb.CreateVector(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

Bytes bytes_of(const flatbuffers::Vector<std::uint8_t>* v) {
  if (!v)
    return {};
  const auto* p = reinterpret_cast<const std::byte*>(v->data());
  return {p, p + v->size()};
}

std::string text(const flatbuffers::String* s) {
  return s ? s->str() : std::string();
}

Bytes finish(flatbuffers::FlatBufferBuilder& fbb) {
  const auto* p = reinterpret_cast<const std::byte*>(fbb.GetBufferPointer());
  return {p, p + fbb.GetSize()};
}

/// The verified root of `frame`, or nullptr. FlatBuffers reads scalars in place, so a frame
/// that does not start 8-byte aligned is verified and read from an aligned copy in `storage`.
template <class T> const T* verified(ByteView& frame, Bytes& storage) {
  if (frame.size() > kMaxFrame || frame.size() < sizeof(flatbuffers::uoffset_t))
    return nullptr;
  frame = aligned_frame(frame, storage);
  flatbuffers::Verifier verifier(reinterpret_cast<const std::uint8_t*>(frame.data()), frame.size(),
                                 kMaxDepth, kMaxTables);
  if (!verifier.VerifyBuffer<T>(nullptr))
    return nullptr;
  return flatbuffers::GetRoot<T>(frame.data());
}

} // namespace

Bytes encode(const Command& command) {
  std::size_t payload = 0;
  if (const Run* run = std::get_if<Run>(&command))
    payload = run->args.size() + (run->snapshot ? run->snapshot->size() : 0);
  else if (const ToVt* to_vt = std::get_if<ToVt>(&command))
    payload = to_vt->frame.size();
  flatbuffers::FlatBufferBuilder fbb(payload + 128);
  flatbuffers::Offset<void> body;
  fb::Command type = fb::Command::NONE;
  if (const Run* r = std::get_if<Run>(&command)) {
    auto args = byte_vector(fbb, r->args);
    flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>> snapshot;
    if (r->snapshot)
      snapshot = byte_vector(fbb, *r->snapshot);
    body = fb::CreateRun(fbb, r->vt, r->entry, r->function, args, snapshot, r->effect,
                         r->replay_through)
               .Union();
    type = fb::Command::Run;
  } else if (const Cancel* c = std::get_if<Cancel>(&command)) {
    body = fb::CreateCancel(fbb, c->vt).Union();
    type = fb::Command::Cancel;
  } else if (const Capture* c = std::get_if<Capture>(&command)) {
    body = fb::CreateCapture(fbb, c->vt).Union();
    type = fb::Command::Capture;
  } else if (const ToVt* t = std::get_if<ToVt>(&command)) {
    body = fb::CreateMessageFrame(fbb, t->vt, byte_vector(fbb, t->frame)).Union();
    type = fb::Command::MessageFrame;
  } else {
    body = fb::CreateShutdown(fbb).Union();
    type = fb::Command::Shutdown;
  }
  fbb.Finish(fb::CreateToExecutor(fbb, type, body));
  return finish(fbb);
}

std::optional<Command> decode_command(ByteView frame, std::string& error) {
  Bytes storage;
  const fb::ToExecutor* m = verified<fb::ToExecutor>(frame, storage);
  if (!m || !m->command()) {
    error = "an invalid command frame";
    return std::nullopt;
  }
  switch (m->command_type()) {
  case fb::Command::Run: {
    const fb::Run* r = m->command_as_Run();
    Run run{r->vt(),      r->entry(),  r->function(),      bytes_of(r->args()),
            std::nullopt, r->effect(), r->replay_through()};
    if (r->snapshot())
      run.snapshot = bytes_of(r->snapshot());
    return run;
  }
  case fb::Command::Cancel:
    return Cancel{m->command_as_Cancel()->vt()};
  case fb::Command::Capture:
    return Capture{m->command_as_Capture()->vt()};
  case fb::Command::MessageFrame: {
    const fb::MessageFrame* x = m->command_as_MessageFrame();
    return ToVt{x->vt(), bytes_of(x->frame())};
  }
  case fb::Command::Shutdown:
    return Shutdown{};
  default:
    error = "a command of an unknown kind";
    return std::nullopt;
  }
}

Bytes encode(const Event& event) {
  if (const Started* s = std::get_if<Started>(&event)) {
    flatbuffers::FlatBufferBuilder fbb(64);
    fbb.Finish(fb::CreateFromExecutor(fbb, fb::Event::Started,
                                      fb::CreateStarted(fbb, s->pid, s->slots).Union()));
    return finish(fbb);
  }
  const VtEvent& e = std::get<VtEvent>(event);
  flatbuffers::FlatBufferBuilder fbb(e.value.size() + e.type.size() + e.what.size() + 128);
  flatbuffers::Offset<void> body;
  fb::Event type = fb::Event::NONE;
  switch (e.kind) {
  case VtEvent::Kind::result:
    body = fb::CreateResult(fbb, e.vt, byte_vector(fbb, e.value)).Union();
    type = fb::Event::Result;
    break;
  case VtEvent::Kind::failure: {
    fb::FailureKind kind = e.failure == VtEvent::Failure::cancelled ? fb::FailureKind::cancelled
                           : e.failure == VtEvent::Failure::refused ? fb::FailureKind::refused
                                                                    : fb::FailureKind::exception;
    body = fb::CreateFailure(fbb, e.vt, kind, fbb.CreateString(e.type), fbb.CreateString(e.what))
               .Union();
    type = fb::Event::Failure;
    break;
  }
  case VtEvent::Kind::partial:
    body =
        fb::CreatePartial(fbb, e.vt, fbb.CreateString(e.type), byte_vector(fbb, e.value), e.effect)
            .Union();
    type = fb::Event::Partial;
    break;
  case VtEvent::Kind::message_frame:
    body = fb::CreateMessageFrame(fbb, e.vt, byte_vector(fbb, e.value)).Union();
    type = fb::Event::MessageFrame;
    break;
  case VtEvent::Kind::checkpoint:
    body = fb::CreateCheckpoint(fbb, e.vt, e.effect, byte_vector(fbb, e.value)).Union();
    type = fb::Event::Checkpoint;
    break;
  case VtEvent::Kind::blocked:
  case VtEvent::Kind::unblocked:
    body = fb::CreateBlocked(fbb, e.vt, e.kind == VtEvent::Kind::blocked).Union();
    type = fb::Event::Blocked;
    break;
  case VtEvent::Kind::rebalance:
    throw std::invalid_argument("executor_wire::encode: a rebalance is a deployer's, never an "
                                "executor's event");
  }
  fbb.Finish(fb::CreateFromExecutor(fbb, type, body));
  return finish(fbb);
}

std::optional<Event> decode_event(ByteView frame, std::string& error) {
  Bytes storage;
  const fb::FromExecutor* m = verified<fb::FromExecutor>(frame, storage);
  if (!m || !m->event()) {
    error = "an invalid event frame";
    return std::nullopt;
  }
  VtEvent e;
  switch (m->event_type()) {
  case fb::Event::Started: {
    const fb::Started* s = m->event_as_Started();
    if (s->pid() <= 0 || s->slots() == 0) {
      error = "Started without a process id or slots";
      return std::nullopt;
    }
    return Started{s->pid(), s->slots()};
  }
  case fb::Event::Result: {
    const fb::Result* r = m->event_as_Result();
    e.kind = VtEvent::Kind::result;
    e.vt = r->vt();
    e.value = bytes_of(r->value());
    break;
  }
  case fb::Event::Failure: {
    const fb::Failure* f = m->event_as_Failure();
    e.kind = VtEvent::Kind::failure;
    e.vt = f->vt();
    switch (f->kind()) {
    case fb::FailureKind::exception:
      e.failure = VtEvent::Failure::exception;
      break;
    case fb::FailureKind::cancelled:
      e.failure = VtEvent::Failure::cancelled;
      break;
    case fb::FailureKind::refused:
      e.failure = VtEvent::Failure::refused;
      break;
    default:
      error = "a failure of an unknown kind";
      return std::nullopt;
    }
    e.type = text(f->type());
    e.what = text(f->what());
    break;
  }
  case fb::Event::Partial: {
    const fb::Partial* p = m->event_as_Partial();
    e.kind = VtEvent::Kind::partial;
    e.vt = p->vt();
    e.type = text(p->type());
    e.value = bytes_of(p->value());
    e.effect = p->effect();
    break;
  }
  case fb::Event::MessageFrame: {
    const fb::MessageFrame* x = m->event_as_MessageFrame();
    e.kind = VtEvent::Kind::message_frame;
    e.vt = x->vt();
    e.value = bytes_of(x->frame());
    break;
  }
  case fb::Event::Checkpoint: {
    const fb::Checkpoint* c = m->event_as_Checkpoint();
    e.kind = VtEvent::Kind::checkpoint;
    e.vt = c->vt();
    e.effect = c->effect();
    e.value = bytes_of(c->snapshot());
    break;
  }
  case fb::Event::Blocked: {
    const fb::Blocked* b = m->event_as_Blocked();
    e.kind = b->blocked() ? VtEvent::Kind::blocked : VtEvent::Kind::unblocked;
    e.vt = b->vt();
    break;
  }
  default:
    error = "an event of an unknown kind";
    return std::nullopt;
  }
  return e;
}

} // namespace ppp2p::detail::executor_wire
