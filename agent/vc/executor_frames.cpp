#include "executor_frames.hpp"

#include "executor_generated.h"
#include "ppp2p/net/flatbuffer_util.hpp"

namespace ppp2p::agent::vc {

namespace fb = ppp2p::wire::executor;
using namespace ppp2p::net;

namespace {

std::vector<std::byte> copy(const flatbuffers::Vector<std::uint8_t>* v) {
  if (!v)
    return {};
  const auto* p = reinterpret_cast<const std::byte*>(v->data());
  return {p, p + v->size()};
}

std::string text(const flatbuffers::String* s) {
  return s ? s->str() : std::string();
}

} // namespace

std::optional<ExecutorMessage> decode_executor_frame(ByteView frame, bool started,
                                                     std::string& violation) {
  Bytes storage;
  const auto* m =
      verified_root<fb::FromExecutor>(aligned(frame, storage), nullptr, kMaxExecutorFrame);
  if (!m || !m->event()) {
    violation = "sent an invalid frame";
    return std::nullopt;
  }
  if (m->event_type() != fb::Event::Started && !started) {
    violation = "sent an event before Started";
    return std::nullopt;
  }
  VtEvent e;
  switch (m->event_type()) {
  case fb::Event::Started:
    if (started) {
      violation = "sent Started twice";
      return std::nullopt;
    }
    return ExecutorMessage{true, {}};
  case fb::Event::Result: {
    const auto* r = m->event_as_Result();
    e.kind = VtEvent::Kind::result;
    e.vt = r->vt();
    e.value = copy(r->value());
    break;
  }
  case fb::Event::Failure: {
    const auto* f = m->event_as_Failure();
    if (f->kind() > fb::FailureKind::MAX) {
      violation = "sent a failure of an unknown kind";
      return std::nullopt;
    }
    e.kind = VtEvent::Kind::failure;
    e.failure = static_cast<VtEvent::Failure>(f->kind()); // same values for the first three
    e.vt = f->vt();
    e.type = text(f->type());
    e.what = text(f->what());
    break;
  }
  case fb::Event::Partial: {
    const auto* p = m->event_as_Partial();
    e.kind = VtEvent::Kind::partial;
    e.vt = p->vt();
    e.type = text(p->type());
    e.value = copy(p->value());
    e.effect = p->effect();
    break;
  }
  case fb::Event::Exchange: {
    const auto* x = m->event_as_Exchange();
    e.kind = VtEvent::Kind::exchange;
    e.vt = x->vt();
    e.value = copy(x->frame());
    break;
  }
  case fb::Event::Checkpoint: {
    const auto* c = m->event_as_Checkpoint();
    e.kind = VtEvent::Kind::checkpoint;
    e.vt = c->vt();
    e.effect = c->effect();
    e.value = copy(c->snapshot());
    break;
  }
  case fb::Event::Blocked: {
    const auto* b = m->event_as_Blocked();
    e.kind = b->blocked() ? VtEvent::Kind::blocked : VtEvent::Kind::unblocked;
    e.vt = b->vt();
    break;
  }
  default:
    violation = "sent an event of an unknown kind";
    return std::nullopt;
  }
  return ExecutorMessage{false, std::move(e)};
}

} // namespace ppp2p::agent::vc
