#include "ppp2p/net/reliable/messenger.hpp"

#include <algorithm>
#include <vector>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/flatbuffer_util.hpp"
#include "reliable_generated.h"

namespace ppp2p::net::reliable {

namespace fb = ppp2p::wire::reliable;

namespace {

constexpr std::uint8_t kMessage = static_cast<std::uint8_t>(fb::Kind::message);
constexpr std::uint8_t kRequest = static_cast<std::uint8_t>(fb::Kind::request);
constexpr std::uint8_t kResponse = static_cast<std::uint8_t>(fb::Kind::response);

Bytes finish(flatbuffers::FlatBufferBuilder& fbb, flatbuffers::Offset<fb::Frame> frame) {
  fbb.Finish(frame, fb::FrameIdentifier());
  return to_bytes(fbb);
}

} // namespace

Messenger::Messenger(Environment env, std::string self_address, Config cfg)
    : env_(env), cfg_(cfg), self_(std::move(self_address)) {
  do
    epoch_ = env_.random.next();
  while (epoch_ == 0);
}

Messenger::~Messenger() {
  stop();
}

void Messenger::stop() {
  if (stopped_)
    return;
  stopped_ = true;
  if (flush_timer_)
    env_.timers.cancel(std::exchange(flush_timer_, 0));
  for (auto& [address, p] : peers_) {
    env_.timers.cancel(p.rto_timer);
    env_.timers.cancel(p.resend_timer);
  }
  for (auto& [id, r] : pending_)
    env_.timers.cancel(r.timer);
  pending_.clear();
}

Messenger::Peer& Messenger::peer(const std::string& address) {
  auto [it, fresh] = peers_.try_emplace(address);
  if (fresh) {
    it->second.rto = cfg_.retransmit_timeout;
    it->second.generation = next_generation_++;
  }
  return it->second;
}

std::size_t Messenger::backlog(const std::string& to) const {
  auto it = peers_.find(to);
  return it == peers_.end() ? 0 : it->second.queued_bytes;
}

void Messenger::send(const std::string& to, Bytes body) {
  enqueue(to, kMessage, 0, std::move(body));
}

Messenger::RequestId Messenger::request(const std::string& to, Bytes body, Millis timeout,
                                        ResponseHandler done) {
  RequestId id = next_request_++;
  if (stopped_)
    return id;
  TimerId timer = env_.timers.after(timeout, [this, id] {
    auto it = pending_.find(id);
    if (it == pending_.end())
      return;
    ResponseHandler d = std::move(it->second.done);
    pending_.erase(it);
    d(errc::timed_out);
  });
  pending_.emplace(id, Pending{to, std::move(done), timer});
  enqueue(to, kRequest, id, std::move(body));
  return id;
}

void Messenger::respond(const std::string& to, RequestId id, Bytes body) {
  enqueue(to, kResponse, id, std::move(body));
}

void Messenger::enqueue(const std::string& to, std::uint8_t kind, std::uint64_t id, Bytes body) {
  if (stopped_)
    return;
  ++stats_.messages_sent;
  if (to == self_) {
    local_.emplace_back(std::move(body), std::pair{kind, id});
    schedule_flush();
    return;
  }
  Peer& p = peer(to);
  std::size_t size = body.size();
  if (p.queued_bytes + size > cfg_.max_backlog_bytes) {
    overflow(to);
    if (size > cfg_.max_backlog_bytes)
      return; // larger than any peer takes (max_message): dropped like the backlog
  }
  if (size <= cfg_.fragment_bytes) {
    p.out.push_back(OutMessage{p.next_seq++, kind, id, true, std::move(body)});
  } else {
    for (std::size_t off = 0; off < size; off += cfg_.fragment_bytes) {
      std::size_t n = std::min(cfg_.fragment_bytes, size - off);
      Bytes part(body.begin() + static_cast<long>(off), body.begin() + static_cast<long>(off + n));
      p.out.push_back(OutMessage{p.next_seq++, kind, id, off + n == size, std::move(part)});
    }
  }
  p.queued_bytes += size;
  dirty_.insert(to);
  schedule_flush();
}

void Messenger::overflow(const std::string& address) {
  // Only our stream to them starts afresh; theirs to us goes on untouched. The message being
  // sent becomes the first of the new stream, whose start tells them.
  Peer& p = peers_.at(address);
  env_.timers.cancel(std::exchange(p.rto_timer, 0));
  env_.timers.cancel(std::exchange(p.resend_timer, 0));
  p.out.clear();
  p.sent = 0;
  p.in_flight_bytes = 0;
  p.queued_bytes = 0;
  p.next_seq = 1;
  p.highest_sent = 0;
  p.rto = cfg_.retransmit_timeout;
  p.generation = next_generation_++;
  ++stats_.backlog_overflows;
  // The requests pending now fail, and the reset is reported, once this send has returned:
  // the caller may be in the middle of something these callbacks change.
  env_.timers.after(Millis{0}, [this, address, failed = requests_to(address)] {
    if (stopped_)
      return;
    ++stats_.resets;
    fail_requests(failed);
    if (on_peer_reset_)
      on_peer_reset_(address);
  });
}

void Messenger::schedule_flush() {
  if (flush_timer_ == 0 && !stopped_)
    flush_timer_ = env_.timers.after(Millis{0}, [this] {
      flush_timer_ = 0;
      flush();
    });
}

void Messenger::flush() {
  auto local = std::move(local_);
  local_.clear();
  for (auto& [body, kind_id] : local) {
    if (stopped_)
      return;
    deliver(self_, kind_id.first, kind_id.second, body);
  }
  auto dirty = std::move(dirty_);
  dirty_.clear();
  for (const std::string& address : dirty) {
    if (stopped_)
      return;
    if (auto it = peers_.find(address); it != peers_.end())
      flush_peer(address, it->second);
  }
}

void Messenger::flush_peer(const std::string& address, Peer& p) {
  bool sent_any = false;
  while (p.sent < p.out.size()) {
    flatbuffers::FlatBufferBuilder fbb(1024);
    std::vector<flatbuffers::Offset<fb::Message>> messages;
    std::uint64_t first_seq = p.out[p.sent].seq;
    std::size_t bytes = 0;
    while (p.sent < p.out.size()) {
      OutMessage& m = p.out[p.sent];
      if (p.in_flight_bytes > 0 && p.in_flight_bytes + m.body.size() > cfg_.window_bytes)
        break; // the window is full: wait for acks
      if (!messages.empty() && bytes + m.body.size() > cfg_.frame_bytes)
        break;
      fbb.ForceVectorAlignment(m.body.size(), 1, 8);
      auto body = fbb.CreateVector(m.body);
      messages.push_back(fb::CreateMessage(fbb, static_cast<fb::Kind>(m.kind), m.id, m.last, body));
      bytes += m.body.size();
      p.in_flight_bytes += m.body.size();
      ++p.sent;
      if (m.seq <= p.highest_sent)
        ++stats_.retransmissions;
      else
        p.highest_sent = m.seq;
    }
    if (messages.empty())
      break;
    auto data = fb::CreateData(fbb, epoch_, p.their_epoch, first_seq, fbb.CreateVector(messages),
                               p.generation);
    flatbuffers::Offset<fb::Ack> ack = 0;
    if (p.in_epoch != 0) {
      ack = fb::CreateAck(fbb, epoch_, p.in_epoch, p.next_expected - 1, p.in_stream);
      p.ack_due = false;
    }
    env_.transport.send(address, finish(fbb, fb::CreateFrame(fbb, data, ack)));
    ++stats_.frames_sent;
    sent_any = true;
  }
  if (p.ack_due)
    send_ack(address, p);
  if (sent_any)
    arm_retransmit(address, p);
}

void Messenger::send_ack(const std::string& address, Peer& p) {
  p.ack_due = false;
  if (p.in_epoch == 0)
    return;
  flatbuffers::FlatBufferBuilder fbb(128);
  auto ack = fb::CreateAck(fbb, epoch_, p.in_epoch, p.next_expected - 1, p.in_stream);
  env_.transport.send(address, finish(fbb, fb::CreateFrame(fbb, 0, ack)));
  ++stats_.frames_sent;
}

void Messenger::send_reset(const std::string& to, std::uint64_t their_epoch) {
  flatbuffers::FlatBufferBuilder fbb(128);
  auto reset = fb::CreateReset(fbb, epoch_, their_epoch);
  env_.transport.send(to, finish(fbb, fb::CreateFrame(fbb, 0, 0, reset)));
  ++stats_.frames_sent;
}

void Messenger::arm_retransmit(const std::string& address, Peer& p) {
  if (p.rto_timer != 0 || p.sent == 0)
    return;
  p.rto_timer = env_.timers.after(p.rto, [this, address, gen = p.generation] {
    auto it = peers_.find(address);
    if (it == peers_.end() || it->second.generation != gen)
      return;
    it->second.rto_timer = 0;
    retransmit(address);
  });
}

void Messenger::rewind(Peer& p) {
  p.sent = 0;
  p.in_flight_bytes = 0;
}

void Messenger::retransmit(const std::string& address) {
  Peer& p = peers_.at(address);
  if (p.sent == 0)
    return;
  rewind(p);
  p.rto = std::min(p.rto * 2, cfg_.max_retransmit_timeout);
  dirty_.insert(address);
  schedule_flush();
}

void Messenger::link_lost(const std::string& address) {
  auto it = peers_.find(address);
  if (it == peers_.end() || it->second.sent == 0)
    return;
  Peer& p = it->second;
  // What was in flight on that link is lost; resend once PeerLinks takes sends again.
  rewind(p);
  env_.timers.cancel(p.resend_timer);
  p.resend_timer =
      env_.timers.after(cfg_.resend_after_link_loss, [this, address, gen = p.generation] {
        auto it = peers_.find(address);
        if (it == peers_.end() || it->second.generation != gen)
          return;
        it->second.resend_timer = 0;
        dirty_.insert(address);
        schedule_flush();
      });
}

void Messenger::handle_ack(const std::string& from, Peer& p, std::uint64_t their_epoch,
                           std::uint64_t acked, std::uint64_t stream) {
  if (p.their_epoch == 0) {
    p.their_epoch = their_epoch;
  } else if (p.their_epoch != their_epoch) {
    peer_reset(from, their_epoch);
    return;
  }
  if (stream != p.generation)
    return; // acknowledges a stream of ours that was reset since
  if (acked >= p.next_seq) {
    ++stats_.frames_invalid; // acknowledges what we never sent
    return;
  }
  bool progress = false;
  while (!p.out.empty() && p.out.front().seq <= acked) {
    std::size_t size = p.out.front().body.size();
    if (p.sent > 0) {
      --p.sent;
      p.in_flight_bytes -= size;
    }
    p.queued_bytes -= size;
    p.out.pop_front();
    progress = true;
  }
  if (!progress)
    return;
  p.rto = cfg_.retransmit_timeout;
  env_.timers.cancel(std::exchange(p.rto_timer, 0));
  arm_retransmit(from, p);
  if (p.sent < p.out.size()) {
    dirty_.insert(from); // the window opened
    schedule_flush();
  }
}

void Messenger::on_frame(const std::string& from, ByteView bytes) {
  if (stopped_ || from == self_)
    return;
  Bytes storage;
  const auto* f =
      verified_root<fb::Frame>(aligned(bytes, storage), fb::FrameIdentifier(), cfg_.max_frame);
  if (!f) {
    ++stats_.frames_invalid;
    return;
  }
  if (const fb::Reset* r = f->reset()) {
    if (r->receiver_epoch() == epoch_ && r->sender_epoch() != 0 && peers_.count(from))
      peer_reset(from, r->sender_epoch());
  }
  if (const fb::Ack* a = f->ack()) {
    auto it = peers_.find(from);
    if (a->receiver_epoch() == epoch_ && a->sender_epoch() != 0 && it != peers_.end())
      handle_ack(from, it->second, a->sender_epoch(), a->acked(), a->stream());
  }
  if (const fb::Data* d = f->data())
    handle_data(from, d);
}

void Messenger::handle_data(const std::string& from, const void* raw) {
  const auto* d = static_cast<const fb::Data*>(raw);
  std::uint64_t their = d->sender_epoch(), ours = d->receiver_epoch(), seq = d->first_seq();
  if (their == 0 || seq == 0) {
    ++stats_.frames_invalid;
    return;
  }
  if (ours != 0 && ours != epoch_) {
    send_reset(from, their); // meant for an earlier run of ours
    return;
  }
  Peer* p = &peer(from);
  if (p->in_epoch == their && d->stream() != p->in_stream) {
    // The same run of theirs, another stream: a frame of one they reset since (ignored), or
    // their next after their backlog to us overflowed. Its start (seq 1, sent first and again
    // until acknowledged) starts it: what they had queued for us is lost, so the reset is
    // reported and our requests to them fail; our stream to them goes on.
    if (d->stream() < p->in_stream || seq != 1)
      return;
    p->in_epoch = 0;
    p->assembling = Bytes();
    p->discarding = false;
    ++stats_.resets;
    fail_requests_to(from);
    if (on_peer_reset_)
      on_peer_reset_(from);
    auto it = peers_.find(from);
    if (stopped_ || it == peers_.end())
      return; // forgotten by the handler: the stream starts again when it comes again
    p = &it->second;
  }
  if (p->in_epoch != their) {
    if (p->in_epoch != 0) {
      peer_reset(from, their); // they restarted
      p = &peer(from);
    }
    if (seq != 1) {
      // Not the start of their stream. If they know us, we forgot them: tell them. Otherwise
      // its start was lost and comes again.
      if (ours == epoch_)
        send_reset(from, their);
      return;
    }
    p->in_epoch = their;
    p->in_stream = d->stream();
    p->next_expected = 1;
    p->assembling.clear();
    p->discarding = false;
    if (p->their_epoch == 0)
      p->their_epoch = their;
  }
  const auto* messages = d->messages();
  std::size_t count = messages ? messages->size() : 0;
  std::uint64_t generation = p->generation;
  for (std::size_t i = 0; i < count; ++i, ++seq) {
    p->ack_due = true;
    if (seq < p->next_expected) {
      ++stats_.duplicates;
      continue;
    }
    if (seq > p->next_expected) {
      stats_.out_of_order += count - i;
      break;
    }
    ++p->next_expected;
    const fb::Message* m = messages->Get(static_cast<flatbuffers::uoffset_t>(i));
    ByteView body;
    if (m->body())
      body = ByteView(m->body()->data(), m->body()->size());
    if (!m->last() || !p->assembling.empty() || p->discarding) {
      if (!p->discarding && p->assembling.size() + body.size() > cfg_.max_message) {
        p->discarding = true;
        p->assembling = Bytes();
        ++stats_.messages_too_large;
      }
      if (!p->discarding)
        p->assembling.insert(p->assembling.end(), body.begin(), body.end());
      if (!m->last())
        continue;
      if (std::exchange(p->discarding, false))
        continue;
      Bytes whole = std::move(p->assembling);
      p->assembling = Bytes();
      deliver(from, static_cast<std::uint8_t>(m->kind()), m->id(), whole);
    } else {
      deliver(from, static_cast<std::uint8_t>(m->kind()), m->id(), body);
    }
    // A handler may have forgotten or reset this peer.
    auto it = peers_.find(from);
    if (stopped_ || it == peers_.end() || it->second.generation != generation)
      return;
    p = &it->second;
  }
  dirty_.insert(from);
  schedule_flush();
}

void Messenger::deliver(const std::string& from, std::uint8_t kind, std::uint64_t id,
                        ByteView body) {
  ++stats_.messages_delivered;
  if (kind == kMessage) {
    if (on_message_)
      on_message_(from, body);
  } else if (kind == kRequest) {
    if (on_request_)
      on_request_(from, id, body);
  } else if (kind == kResponse) {
    auto it = pending_.find(id);
    if (it == pending_.end() || it->second.to != from)
      return; // timed out already, or not ours
    ResponseHandler done = std::move(it->second.done);
    env_.timers.cancel(it->second.timer);
    pending_.erase(it);
    done(body);
  } else {
    ++stats_.frames_invalid;
  }
}

void Messenger::peer_reset(const std::string& address, std::uint64_t new_epoch) {
  auto it = peers_.find(address);
  if (it == peers_.end())
    return;
  Peer& p = it->second;
  env_.timers.cancel(p.rto_timer);
  env_.timers.cancel(p.resend_timer);
  p = Peer{};
  p.their_epoch = new_epoch;
  p.rto = cfg_.retransmit_timeout;
  p.generation = next_generation_++;
  ++stats_.resets;
  fail_requests_to(address);
  if (on_peer_reset_)
    on_peer_reset_(address);
}

void Messenger::forget(const std::string& address) {
  auto it = peers_.find(address);
  if (it != peers_.end()) {
    env_.timers.cancel(it->second.rto_timer);
    env_.timers.cancel(it->second.resend_timer);
    peers_.erase(it);
  }
  dirty_.erase(address);
  fail_requests_to(address);
}

std::vector<Messenger::RequestId> Messenger::requests_to(const std::string& address) const {
  std::vector<RequestId> ids;
  for (const auto& [id, r] : pending_)
    if (r.to == address)
      ids.push_back(id);
  return ids;
}

void Messenger::fail_requests_to(const std::string& address) {
  fail_requests(requests_to(address));
}

void Messenger::fail_requests(const std::vector<RequestId>& ids) {
  for (RequestId id : ids) {
    auto it = pending_.find(id);
    if (it == pending_.end())
      continue;
    ResponseHandler done = std::move(it->second.done);
    env_.timers.cancel(it->second.timer);
    pending_.erase(it);
    done(errc::connection_closed);
  }
}

} // namespace ppp2p::net::reliable
