#include "vc/messages/vt_messages.hpp"

#include "vc/messages/message_frames.hpp"

#include "demangle.hpp"

#include <ppp2p/detail/capture_session.hpp>

#include <algorithm>

namespace ppp2p::detail {

namespace wire = messages::wire;

namespace {

std::string describe_sender(VtId from) {
  return from == client ? std::string("the client") : "VT " + std::to_string(from);
}

} // namespace

VtMessages::VtMessages(VtId vt, std::uint64_t effect, std::uint64_t replay_through,
                       std::function<void(std::vector<std::byte>)> to_owner,
                       BlockingObserver* blocking)
    : vt_(vt), to_owner_(std::move(to_owner)), blocking_(blocking), effect_(effect),
      replay_through_(replay_through) {}

template <class Ready>
void VtMessages::wait_until(std::unique_lock<std::mutex>& lock, Ready ready) {
  if (ready())
    return;
  // Every caller's outbox is still empty here, so these frames leave in order.
  flush_now(lock);
  if (ready())
    return;
  if (!blocking_) {
    changed_.wait(lock, ready);
    return;
  }
  // Only this VT's thread consumes what `ready` looks at, so it stays true across the unlock.
  lock.unlock();
  blocking_->blocked(vt_);
  lock.lock();
  changed_.wait(lock, ready);
  lock.unlock();
  blocking_->unblocked(vt_);
  lock.lock();
}

bool VtMessages::on_frame(std::span<const std::byte> bytes) {
  Bytes storage;
  const wire::Frame* frame = messages::verify(bytes, storage);
  if (!frame)
    return false;
  std::lock_guard lock(mutex_);
  auto copy = [](const flatbuffers::Vector<std::uint8_t>* v) {
    std::span<const std::byte> b = messages::bytes_of(v);
    return Bytes(b.begin(), b.end());
  };
  if (const wire::Deliver* deliver = frame->body_as_Deliver()) {
    Message message{deliver->from(), deliver->message(),
                    std::string(messages::text_of(deliver->type())), copy(deliver->value())};
    if (deliver->replay() != 0)
      replay_[deliver->replay()] = Replayed{false, 1, std::move(message)};
    else
      mailbox_.push_back(std::move(message));
  } else if (const wire::ReplayMiss* miss = frame->body_as_ReplayMiss()) {
    if (miss->count() != 0)
      replay_[miss->effect()] = Replayed{true, miss->count(), {}};
  } else if (const wire::GlobalReply* reply = frame->body_as_GlobalReply()) {
    replies_[reply->effect()] =
        Reply{reply->replay(), reply->value() != nullptr, copy(reply->value()),
              std::string(messages::text_of(reply->error())), reply->code()};
  } else if (const wire::SendAck* ack = frame->body_as_SendAck()) {
    while (!unacked_.empty() && unacked_.front().first <= ack->through()) {
      unacked_bytes_ -= unacked_.front().second;
      unacked_.pop_front();
    }
  } else {
    return false; // a frame only a VT sends
  }
  changed_.notify_all();
  return true;
}

void VtMessages::interrupt() {
  std::lock_guard lock(mutex_);
  interrupted_ = true;
  changed_.notify_all();
}

void VtMessages::close(std::string why) {
  std::lock_guard lock(mutex_);
  closed_ = std::move(why);
  changed_.notify_all();
}

std::uint64_t VtMessages::effect() const {
  std::lock_guard lock(mutex_);
  return effect_;
}

void VtMessages::flush() {
  Outbox out{*this, {}};
  std::lock_guard lock(mutex_);
  flush_locked(out.frames);
}

std::uint64_t VtMessages::next_report_effect() {
  Outbox out{*this, {}};
  std::lock_guard lock(mutex_);
  flush_locked(out.frames);
  return next_effect_locked();
}

std::uint64_t VtMessages::next_effect_locked() {
  return ++effect_;
}

void VtMessages::flush_locked(std::vector<Bytes>& frames) {
  if (misses_count_ != 0) {
    frames.push_back(messages::missed(misses_first_, misses_count_));
    misses_count_ = 0;
  }
  if (!taken_.empty()) {
    frames.push_back(messages::consumed_run(taken_first_, taken_));
    taken_.clear();
  }
}

void VtMessages::flush_now(std::unique_lock<std::mutex>& lock) {
  if (misses_count_ == 0 && taken_.empty())
    return;
  {
    Outbox out{*this, {}};
    flush_locked(out.frames);
    lock.unlock(); // the frames leave, then the lock is taken again
  }
  lock.lock();
}

void VtMessages::send_frame_locked(Outbox& out, Bytes frame) {
  flush_locked(out.frames);
  out.frames.push_back(std::move(frame));
}

void VtMessages::throw_if_closed_locked() const {
  if (closed_)
    throw error(errc::exchange_closed, *closed_);
}

bool VtMessages::send(VtId to, const char* type, Bytes& value) {
  if (to == vt_)
    throw error(errc::protocol_error, "VT " + std::to_string(vt_) + " sent a message to itself");
  if (to == any_sender)
    throw error(errc::protocol_error, std::to_string(to) + " is not the id of a virtual thread");
  Outbox out{*this, {}};
  std::unique_lock lock(mutex_);
  // At least one message is always allowed, however large.
  wait_until(lock, [&] {
    return closed_ || interrupted_ || unacked_bytes_ == 0 ||
           unacked_bytes_ + value.size() <= kSendWindowBytes;
  });
  throw_if_closed_locked();
  if (unacked_bytes_ != 0 && unacked_bytes_ + value.size() > kSendWindowBytes) {
    interrupted_ = false;
    return false;
  }
  std::uint64_t effect = next_effect_locked();
  send_frame_locked(out, messages::send(effect, to, type, value));
  unacked_.emplace_back(effect, value.size());
  unacked_bytes_ += value.size();
  value.clear();
  return true;
}

std::optional<Bytes> VtMessages::receive(VtId from, const char* type, bool block) {
  Outbox out{*this, {}};
  std::unique_lock lock(mutex_);
  std::uint64_t effect = effect_ + 1;
  auto matches = [&](const Message& m) { return from == any_sender || m.from == from; };
  if (effect <= replay_through_) {
    // Re-executing: this receive took a message (or found none) before; the owner sends which.
    auto covering = [&] {
      auto it = replay_.upper_bound(effect);
      if (it == replay_.begin())
        return replay_.end();
      --it;
      return it->first + it->second.count > effect ? it : replay_.end();
    };
    wait_until(lock, [&] { return closed_ || covering() != replay_.end(); });
    throw_if_closed_locked();
    auto it = covering();
    Replayed replayed;
    if (it->second.miss && it->second.count > 1) {
      // Take one miss of the run.
      replayed.miss = true;
      Replayed rest = std::move(it->second);
      std::uint64_t first = it->first;
      replay_.erase(it);
      if (effect > first)
        replay_[first] = Replayed{true, effect - first, {}};
      if (first + rest.count > effect + 1)
        replay_[effect + 1] = Replayed{true, first + rest.count - effect - 1, {}};
    } else {
      replayed = std::move(it->second);
      replay_.erase(it);
    }
    if (replayed.miss && block)
      throw error(errc::replay_diverged,
                  "receive number " + std::to_string(effect) + " of VT " + std::to_string(vt_) +
                      " waits for a message where the first run's try_receive found none");
    if (!replayed.miss && (!matches(replayed.message) || replayed.message.type != type))
      throw error(errc::replay_diverged,
                  "receive number " + std::to_string(effect) + " of VT " + std::to_string(vt_) +
                      " asks for " + demangle(type) + " from " + describe_sender(from) +
                      "; the first run took a " + demangle(replayed.message.type.c_str()) +
                      " from " + describe_sender(replayed.message.from));
    effect_ = effect;
    if (replayed.miss)
      return std::nullopt;
    return std::move(replayed.message.value);
  }
  for (;;) {
    throw_if_closed_locked();
    for (auto it = mailbox_.begin(); it != mailbox_.end(); ++it) {
      if (!matches(*it))
        continue;
      if (it->type != type)
        throw error(errc::type_mismatch, "VT " + std::to_string(vt_) + " receives " +
                                             demangle(type) + ", but the next message from " +
                                             describe_sender(it->from) + " is a " +
                                             demangle(it->type.c_str()));
      Message message = std::move(*it);
      mailbox_.erase(it);
      effect_ = effect;
      if (misses_count_ != 0)
        flush_locked(out.frames);
      if (taken_.empty())
        taken_first_ = effect;
      taken_.emplace_back(message.from, message.number);
      if (taken_.size() >= kConsumedRunMax)
        flush_locked(out.frames);
      return std::move(message.value);
    }
    if (!block) {
      if (!taken_.empty())
        flush_locked(out.frames);
      if (misses_count_ == 0)
        misses_first_ = effect;
      ++misses_count_;
      effect_ = effect;
      return std::nullopt;
    }
    if (interrupted_) {
      interrupted_ = false;
      return std::nullopt;
    }
    wait_until(lock, [&] {
      return closed_ || interrupted_ || std::any_of(mailbox_.begin(), mailbox_.end(), matches);
    });
  }
}

VtMessages::Reply VtMessages::global_request(std::uint8_t op, const std::string& name,
                                             const char* type, const Bytes* value) {
  std::unique_lock lock(mutex_);
  throw_if_closed_locked();
  std::uint64_t effect = effect_ + 1;
  {
    Outbox out{*this, {}};
    send_frame_locked(out, messages::global_request(effect, wire::GlobalOp(op), name, type, value));
    lock.unlock(); // the request leaves, then the reply is awaited
  }
  lock.lock();
  wait_until(lock, [&] { return closed_ || replies_.count(effect) != 0; });
  throw_if_closed_locked();
  Reply reply = std::move(replies_[effect]);
  replies_.erase(effect);
  effect_ = effect;
  if (!reply.error.empty())
    throw error(reply.code == int(errc::replay_diverged) ? errc::replay_diverged
                                                         : errc::type_mismatch,
                reply.error);
  return reply;
}

GlobalValue VtMessages::global_read(const std::string& name, const char* type) {
  Reply reply = global_request(std::uint8_t(wire::GlobalOp::read), name, type, nullptr);
  return {reply.set, std::move(reply.value)};
}

void VtMessages::global_write(const std::string& name, const char* type, Bytes value) {
  global_request(std::uint8_t(wire::GlobalOp::write), name, type, &value);
}

GlobalLease VtMessages::global_acquire(const std::string& name, const char* type) {
  Reply reply = global_request(std::uint8_t(wire::GlobalOp::acquire), name, type, nullptr);
  GlobalLease lease;
  lease.replay = reply.replay;
  lease.value = {reply.set, std::move(reply.value)};
  std::lock_guard lock(mutex_);
  lease.effect = effect_;
  return lease;
}

void VtMessages::global_release(const std::string& name, const char* type, const GlobalLease& lease,
                                const Bytes* value) {
  if (lease.replay)
    return; // applied in the first run; the owner expects nothing
  Outbox out{*this, {}};
  std::lock_guard lock(mutex_);
  if (closed_)
    return;
  send_frame_locked(out, messages::global_request(
                             lease.effect, value ? wire::GlobalOp::commit : wire::GlobalOp::abort,
                             name, type, value));
}

} // namespace ppp2p::detail
