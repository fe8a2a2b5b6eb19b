#include "vc/messages/messages_owner.hpp"

#include "vc/messages/message_frames.hpp"
#include "vc/messages/vt_messages.hpp"

#include "demangle.hpp"

#include <algorithm>
#include <utility>

namespace ppp2p::detail {

namespace wire = messages::wire;

static_assert(int(GlobalOpKind::read) == int(wire::GlobalOp::read) &&
              int(GlobalOpKind::write) == int(wire::GlobalOp::write) &&
              int(GlobalOpKind::acquire) == int(wire::GlobalOp::acquire) &&
              int(GlobalOpKind::commit) == int(wire::GlobalOp::commit) &&
              int(GlobalOpKind::abort) == int(wire::GlobalOp::abort));

namespace {

std::string who(VtId vt) {
  return vt == client ? std::string("the client") : "VT " + std::to_string(vt);
}

Bytes copy(std::span<const std::byte> bytes) {
  return Bytes(bytes.begin(), bytes.end());
}

[[noreturn]] void protocol(VtId vt, const std::string& what) {
  throw error(errc::protocol_error, who(vt) + ": " + what);
}

} // namespace

MessagesOwner::MessagesOwner(MessageLimits limits, ToVt to_vt)
    : limits_(limits), to_vt_(std::move(to_vt)) {}

// ---- VTs ---------------------------------------------------------------------------------------

void MessagesOwner::from_vt(VtId vt, std::span<const std::byte> bytes) {
  Bytes storage;
  const wire::Frame* frame = messages::verify(bytes, storage);
  if (!frame)
    protocol(vt, "a malformed message frame");
  std::lock_guard lock(mutex_);
  Endpoint& sender = endpoint(vt);
  if (const wire::Send* send = frame->body_as_Send()) {
    if (send->to() == vt || send->to() == any_sender)
      protocol(vt, "a send to " + std::to_string(send->to()));
    std::size_t size = send->value() ? send->value()->size() : 0;
    sender.sends_through = std::max(sender.sends_through, send->effect());
    sender.unacked_bytes += size;
    if (sender.mailbox.replayed(send->effect())) {
      ++stats_.duplicates;
    } else {
      sender.mailbox.apply(send->effect());
      route(Message{vt, send->effect(), std::string(messages::text_of(send->type())),
                    copy(messages::bytes_of(send->value()))},
            send->to());
    }
    acknowledge(vt, sender, false);
  } else if (const wire::Consumed* consumed = frame->body_as_Consumed()) {
    Mailbox::Taken one{consumed->from(), consumed->message()};
    consume_run(sender, vt, consumed->effect(), std::span(&one, 1));
  } else if (const wire::ConsumedRun* run = frame->body_as_ConsumedRun()) {
    std::uint64_t first = run->first();
    const auto* taken = run->taken();
    if (first == 0 || !taken || taken->size() == 0 || first + taken->size() < first)
      protocol(vt, "a malformed run of consumed messages");
    std::vector<Mailbox::Taken> entries;
    entries.reserve(taken->size());
    for (const wire::Taken* t : *taken)
      entries.emplace_back(t->from(), t->message());
    consume_run(sender, vt, first, entries);
  } else if (const wire::Missed* missed = frame->body_as_Missed()) {
    std::uint64_t first = missed->first(), count = missed->count();
    if (count == 0 || first == 0 || first + count < first)
      protocol(vt, "a malformed run of missed receives");
    switch (sender.mailbox.miss(first, count)) {
    case Mailbox::Missed::applied:
      break;
    case Mailbox::Missed::replayed:
      ++stats_.duplicates;
      break;
    case Mailbox::Missed::gap:
      protocol(vt, "missed receive number " + std::to_string(first) + " after " +
                       std::to_string(sender.mailbox.applied()));
    }
  } else if (const wire::GlobalRequest* global = frame->body_as_GlobalRequest()) {
    std::string name(messages::text_of(global->name()));
    std::string type(messages::text_of(global->type()));
    switch (global->op()) {
    case wire::GlobalOp::read:
    case wire::GlobalOp::write:
    case wire::GlobalOp::acquire: {
      GlobalValue value;
      if (global->op() == wire::GlobalOp::write) {
        if (!global->value())
          protocol(vt, "a global write without a value");
        value = {true, copy(messages::bytes_of(global->value()))};
      }
      request(vt, global->effect(), GlobalOpKind(global->op()), name, std::move(type),
              std::move(value));
      break;
    }
    case wire::GlobalOp::commit:
    case wire::GlobalOp::abort: {
      Bytes value;
      if (global->op() == wire::GlobalOp::commit) {
        if (!global->value())
          protocol(vt, "a global commit without a value");
        value = copy(messages::bytes_of(global->value()));
      }
      release(vt, global->effect(), name,
              global->op() == wire::GlobalOp::commit ? &value : nullptr);
      break;
    }
    default:
      protocol(vt, "an unknown global operation");
    }
  } else {
    protocol(vt, "a frame only the owner sends");
  }
}

bool MessagesOwner::accept_effect(VtId vt, std::uint64_t effect) {
  if (effect == 0)
    return true;
  std::lock_guard lock(mutex_);
  Mailbox& mailbox = endpoint(vt).mailbox;
  if (mailbox.replayed(effect)) {
    ++stats_.duplicates;
    return false;
  }
  mailbox.apply(effect);
  return true;
}

std::uint64_t MessagesOwner::applied(VtId vt) {
  std::lock_guard lock(mutex_);
  return endpoint(vt).mailbox.applied();
}

void MessagesOwner::placed(VtId vt, std::uint64_t effect) {
  std::lock_guard lock(mutex_);
  Endpoint& e = endpoint(vt);
  e.placed = true;
  e.mailbox.replay_after(
      effect,
      [&](std::uint64_t first, std::uint64_t count) {
        to_vt_(vt, messages::replay_miss(first, count));
      },
      [&](std::uint64_t at, const Message& m) {
        to_vt_(vt, messages::deliver(m.from, m.number, m.type, m.value, at));
      });
  for (const Message& m : e.mailbox.waiting())
    to_vt_(vt, messages::deliver(m.from, m.number, m.type, m.value, 0));
  for (Bytes& frame : std::exchange(e.before_placed, {}))
    to_vt_(vt, std::move(frame));
}

void MessagesOwner::checkpointed(VtId vt, std::uint64_t effect) {
  std::lock_guard lock(mutex_);
  endpoint(vt).mailbox.checkpointed(effect);
}

void MessagesOwner::stopped(VtId vt) {
  std::lock_guard lock(mutex_);
  Endpoint& e = endpoint(vt);
  e.placed = false;
  e.unacked_bytes = 0; // a new run starts with an empty window
  GlobalOwner::Dropped dropped = globals_.drop(vt);
  for (std::uint64_t effect : dropped.undone)
    e.mailbox.undo_from(effect); // never committed: its acquire is re-executed as new
  for (const GlobalOutcome& outcome : dropped.applied)
    applied(outcome);
}

void MessagesOwner::finished(VtId vt) {
  std::lock_guard lock(mutex_);
  Endpoint& e = endpoint(vt);
  auto [messages, bytes] = e.mailbox.clear();
  stats_.buffered_bytes -= bytes;
  stats_.undeliverable += messages;
  e.placed = false;
  e.finished = true;
  for (const GlobalOutcome& outcome : globals_.drop(vt).applied)
    applied(outcome);
  release_backpressure();
}

void MessagesOwner::close(std::string why) {
  std::lock_guard lock(mutex_);
  closed_ = std::move(why);
  client_changed_.notify_all();
}

MessageStats MessagesOwner::stats() {
  std::lock_guard lock(mutex_);
  MessageStats out = stats_;
  out.global_operations = globals_.operations();
  return out;
}

// ---- Messages ----------------------------------------------------------------------------------

void MessagesOwner::route(Message message, VtId to) {
  Endpoint& receiver = endpoint(to);
  if (receiver.finished) {
    ++stats_.undeliverable;
    return;
  }
  ++stats_.messages;
  stats_.buffered_bytes += message.value.size();
  if (stats_.buffered_bytes > limits_.buffer_bytes)
    over_limit_ = true;
  if (receiver.placed && to != client)
    to_vt_(to, messages::deliver(message.from, message.number, message.type, message.value, 0));
  receiver.mailbox.put(std::move(message));
  if (to == client)
    client_changed_.notify_all();
}

void MessagesOwner::consume_run(Endpoint& receiver, VtId vt, std::uint64_t first,
                                std::span<const Mailbox::Taken> taken) {
  Mailbox::Consumed consumed = receiver.mailbox.consume_run(first, taken, vt != client);
  if (consumed.invalid)
    protocol(vt, "consumed message " + std::to_string(consumed.invalid->second) + " of " +
                     who(consumed.invalid->first) + ", which is not waiting for it");
  stats_.duplicates += consumed.replayed;
  stats_.buffered_bytes -= consumed.bytes;
  release_backpressure();
}

void MessagesOwner::acknowledge(VtId vt, Endpoint& sender, bool force) {
  if (over_limit_ || sender.unacked_bytes == 0)
    return;
  if (!force && sender.unacked_bytes < kSendWindowBytes / 4)
    return;
  sender.unacked_bytes = 0;
  send_to(vt, sender, messages::send_ack(sender.sends_through));
}

void MessagesOwner::send_to(VtId vt, Endpoint& e, Bytes frame) {
  if (e.placed)
    to_vt_(vt, std::move(frame));
  else if (!e.finished)
    e.before_placed.push_back(std::move(frame));
}

void MessagesOwner::release_backpressure() {
  if (!over_limit_ || stats_.buffered_bytes > limits_.buffer_bytes)
    return;
  over_limit_ = false;
  for (auto& [vt, e] : endpoints_)
    if (vt != client)
      acknowledge(vt, e, true);
  client_changed_.notify_all();
}

// ---- Globals -----------------------------------------------------------------------------------

void MessagesOwner::request(VtId vt, std::uint64_t effect, GlobalOpKind op, const std::string& name,
                            std::string type, GlobalValue value) {
  GlobalRequest r{vt, effect, op, std::move(type), std::move(value)};
  if (vt != client) {
    Mailbox& mailbox = endpoint(vt).mailbox;
    if (mailbox.replayed(effect)) {
      // Re-executed: the reply it had, from the journal.
      ++stats_.duplicates;
      const Mailbox::Entry* entry = mailbox.journaled(effect);
      if (!entry || entry->kind != Mailbox::Entry::Kind::global || entry->name != name ||
          entry->op != op) {
        reply(r, true, nullptr,
              "global operation number " + std::to_string(effect) + " of VT " + std::to_string(vt) +
                  " on '" + name +
                  "' was not the same operation in the first run (or is older than the VT's "
                  "checkpoint)",
              int(errc::replay_diverged));
        return;
      }
      reply(r, true, entry->value.set ? &entry->value : nullptr, entry->error, entry->code);
      return;
    }
    if (effect != mailbox.applied() + 1)
      protocol(vt, "global operation number " + std::to_string(effect) + " after " +
                       std::to_string(mailbox.applied()));
  }
  for (const GlobalOutcome& outcome : globals_.request(name, std::move(r)))
    applied(outcome);
}

void MessagesOwner::applied(const GlobalOutcome& outcome) {
  const GlobalRequest& r = outcome.request;
  if (r.who != client) {
    Mailbox::Entry entry;
    entry.op = r.op;
    entry.name = outcome.name;
    entry.value = outcome.value;
    entry.error = outcome.error;
    entry.code = outcome.code;
    endpoint(r.who).mailbox.journal_global(r.effect, std::move(entry));
  }
  reply(r, false, outcome.value.set ? &outcome.value : nullptr, outcome.error, outcome.code);
}

void MessagesOwner::release(VtId vt, std::uint64_t effect, const std::string& name,
                            const Bytes* value) {
  std::vector<GlobalOutcome> now;
  if (!globals_.release(name, vt, effect, value, now)) {
    // A release of an update that was undone (its VT stopped) or replayed: nothing to do.
    ++stats_.duplicates;
    return;
  }
  for (const GlobalOutcome& outcome : now)
    applied(outcome);
}

void MessagesOwner::reply(const GlobalRequest& r, bool replay, const GlobalValue* value,
                          const std::string& error, int code) {
  if (r.who == client) {
    ClientReply& out = client_replies_[r.effect];
    out.done = true;
    if (value)
      out.value = *value;
    out.error = error;
    out.code = code;
    client_changed_.notify_all();
    return;
  }
  send_to(r.who, endpoint(r.who),
          messages::global_reply(r.effect, replay, value && value->set ? &value->bytes : nullptr,
                                 error, code));
}

// ---- The client --------------------------------------------------------------------------------

void MessagesOwner::throw_if_closed() const {
  if (closed_)
    throw error(errc::exchange_closed, *closed_);
}

void MessagesOwner::client_send(VtId to, const char* type, Bytes value) {
  if (to == client || to == any_sender)
    throw error(errc::protocol_error, "the client sends to VTs, not to " + std::to_string(to));
  std::unique_lock lock(mutex_);
  // Back-pressure: the client has no window; it waits while the buffer is over its limit.
  client_changed_.wait(lock, [&] { return closed_ || !over_limit_; });
  throw_if_closed();
  route(Message{client, ++client_effect_, type, std::move(value)}, to);
}

std::optional<Bytes> MessagesOwner::client_receive(VtId from, const char* type, bool block) {
  std::unique_lock lock(mutex_);
  Mailbox& inbox = endpoint(client).mailbox;
  for (;;) {
    throw_if_closed();
    std::optional<Message> taken = inbox.take_first([&](const Message& m) {
      if (from != any_sender && m.from != from)
        return false;
      if (m.type != type)
        throw error(errc::type_mismatch, "the client receives " + demangle(type) +
                                             ", but the next message from " + who(m.from) +
                                             " is a " + demangle(m.type.c_str()));
      return true;
    });
    if (taken) {
      stats_.buffered_bytes -= taken->value.size();
      release_backpressure();
      return std::move(taken->value);
    }
    if (!block)
      return std::nullopt;
    client_changed_.wait(lock);
  }
}

MessagesOwner::ClientReply MessagesOwner::wait_client_reply(std::unique_lock<std::mutex>& lock,
                                                            std::uint64_t effect) {
  client_changed_.wait(lock, [&] { return closed_ || client_replies_[effect].done; });
  ClientReply out = std::move(client_replies_[effect]);
  client_replies_.erase(effect);
  if (!out.done)
    throw_if_closed();
  if (!out.error.empty())
    throw error(errc(out.code), out.error);
  return out;
}

GlobalValue MessagesOwner::client_read(const std::string& name, const char* type) {
  std::unique_lock lock(mutex_);
  throw_if_closed();
  std::uint64_t effect = ++client_effect_;
  request(client, effect, GlobalOpKind::read, name, type, {});
  return wait_client_reply(lock, effect).value;
}

void MessagesOwner::client_write(const std::string& name, const char* type, Bytes value) {
  std::unique_lock lock(mutex_);
  throw_if_closed();
  std::uint64_t effect = ++client_effect_;
  request(client, effect, GlobalOpKind::write, name, type, {true, std::move(value)});
  wait_client_reply(lock, effect);
}

GlobalLease MessagesOwner::client_acquire(const std::string& name, const char* type) {
  std::unique_lock lock(mutex_);
  throw_if_closed();
  std::uint64_t effect = ++client_effect_;
  request(client, effect, GlobalOpKind::acquire, name, type, {});
  GlobalLease lease;
  lease.effect = effect;
  lease.value = wait_client_reply(lock, effect).value;
  return lease;
}

void MessagesOwner::client_release(const std::string& name, const GlobalLease& lease,
                                   const Bytes* value) {
  std::lock_guard lock(mutex_);
  release(client, lease.effect, name, value);
}

} // namespace ppp2p::detail
