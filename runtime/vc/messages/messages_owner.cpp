#include "vc/messages/messages_owner.hpp"

#include "vc/messages/message_frames.hpp"
#include "vc/messages/vt_messages.hpp"

#include "demangle.hpp"

#include <algorithm>
#include <set>
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
    if (send->effect() <= sender.applied) {
      ++stats_.duplicates;
    } else {
      sender.applied = send->effect();
      route(Message{vt, send->effect(), std::string(messages::text_of(send->type())),
                    copy(messages::bytes_of(send->value()))},
            send->to());
    }
    acknowledge(vt, sender, false);
  } else if (const wire::Consumed* consumed = frame->body_as_Consumed()) {
    Taken one{consumed->from(), consumed->message()};
    consume_run(sender, vt, consumed->effect(), std::span(&one, 1));
  } else if (const wire::ConsumedRun* run = frame->body_as_ConsumedRun()) {
    std::uint64_t first = run->first();
    const auto* taken = run->taken();
    if (first == 0 || !taken || taken->size() == 0 || first + taken->size() < first)
      protocol(vt, "a malformed run of consumed messages");
    std::vector<Taken> entries;
    entries.reserve(taken->size());
    for (const wire::Taken* t : *taken)
      entries.emplace_back(t->from(), t->message());
    consume_run(sender, vt, first, entries);
  } else if (const wire::Missed* missed = frame->body_as_Missed()) {
    std::uint64_t first = missed->first(), count = missed->count();
    if (count == 0 || first == 0 || first + count < first)
      protocol(vt, "a malformed run of missed receives");
    std::uint64_t end = first + count; // one past the last
    if (end - 1 <= sender.applied) {
      ++stats_.duplicates;
      return;
    }
    first = std::max(first, sender.applied + 1);
    if (first != sender.applied + 1)
      protocol(vt, "missed receive number " + std::to_string(first) + " after " +
                       std::to_string(sender.applied));
    JournalEntry entry;
    entry.count = end - first;
    sender.journal[first] = std::move(entry);
    sender.applied = end - 1;
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
  Endpoint& e = endpoint(vt);
  if (effect <= e.applied) {
    ++stats_.duplicates;
    return false;
  }
  e.applied = effect;
  return true;
}

std::uint64_t MessagesOwner::applied(VtId vt) {
  std::lock_guard lock(mutex_);
  return endpoint(vt).applied;
}

void MessagesOwner::placed(VtId vt, std::uint64_t effect) {
  std::lock_guard lock(mutex_);
  Endpoint& e = endpoint(vt);
  e.placed = true;
  for (auto it = e.journal.begin(); it != e.journal.end(); ++it) {
    const JournalEntry& entry = it->second;
    std::uint64_t end = it->first + (entry.kind == JournalEntry::Kind::miss ? entry.count : 1);
    if (end <= effect + 1)
      continue; // before the checkpoint
    if (entry.kind == JournalEntry::Kind::miss)
      to_vt_(vt, messages::replay_miss(std::max(it->first, effect + 1),
                                       end - std::max(it->first, effect + 1)));
    else if (entry.kind == JournalEntry::Kind::consumed)
      to_vt_(vt, messages::deliver(entry.message.from, entry.message.number, entry.message.type,
                                   entry.message.value, it->first));
  }
  for (const Message& m : e.waiting)
    to_vt_(vt, messages::deliver(m.from, m.number, m.type, m.value, 0));
  for (Bytes& frame : std::exchange(e.before_placed, {}))
    to_vt_(vt, std::move(frame));
}

void MessagesOwner::checkpointed(VtId vt, std::uint64_t effect) {
  std::lock_guard lock(mutex_);
  Endpoint& e = endpoint(vt);
  for (auto it = e.journal.begin(); it != e.journal.end() && it->first <= effect;) {
    bool straddles =
        it->second.kind == JournalEntry::Kind::miss && it->first + it->second.count > effect + 1;
    it = straddles ? std::next(it) : e.journal.erase(it);
  }
}

void MessagesOwner::stopped(VtId vt) {
  std::lock_guard lock(mutex_);
  Endpoint& e = endpoint(vt);
  e.placed = false;
  e.unacked_bytes = 0; // a new run starts with an empty window
  GlobalOwner::Dropped dropped = globals_.drop(vt);
  for (std::uint64_t effect : dropped.undone) {
    // The update never committed: undone, and its acquire is re-executed as new.
    e.applied = effect - 1;
    e.journal.erase(e.journal.lower_bound(effect), e.journal.end());
  }
  for (const GlobalOutcome& outcome : dropped.applied)
    applied(outcome);
}

void MessagesOwner::finished(VtId vt) {
  std::lock_guard lock(mutex_);
  Endpoint& e = endpoint(vt);
  for (const Message& m : e.waiting)
    stats_.buffered_bytes -= m.value.size();
  stats_.undeliverable += e.waiting.size();
  e.waiting.clear();
  e.journal.clear();
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
  receiver.waiting.push_back(std::move(message));
  if (to == client)
    client_changed_.notify_all();
}

std::deque<MessagesOwner::Message>::iterator MessagesOwner::find_waiting(Endpoint& receiver,
                                                                         Taken taken) {
  return std::find_if(receiver.waiting.begin(), receiver.waiting.end(), [&](const Message& m) {
    return m.from == taken.first && m.number == taken.second;
  });
}

void MessagesOwner::consume_run(Endpoint& receiver, VtId vt, std::uint64_t first,
                                std::span<const Taken> taken) {
  // All or nothing: every new entry must name a different waiting message.
  std::set<Taken> named;
  for (std::size_t i = 0; i < taken.size(); ++i) {
    if (first + i <= receiver.applied)
      continue;
    if (find_waiting(receiver, taken[i]) == receiver.waiting.end() ||
        !named.insert(taken[i]).second)
      protocol(vt, "consumed message " + std::to_string(taken[i].second) + " of " +
                       who(taken[i].first) + ", which is not waiting for it");
  }
  for (std::size_t i = 0; i < taken.size(); ++i) {
    if (first + i <= receiver.applied)
      ++stats_.duplicates; // re-executed
    else
      consume(receiver, vt, first + i, find_waiting(receiver, taken[i]));
  }
}

void MessagesOwner::consume(Endpoint& receiver, VtId vt, std::uint64_t effect,
                            std::deque<Message>::iterator it) {
  stats_.buffered_bytes -= it->value.size();
  JournalEntry entry;
  entry.kind = JournalEntry::Kind::consumed;
  entry.message = std::move(*it);
  receiver.waiting.erase(it);
  if (vt != client)
    receiver.journal[effect] = std::move(entry);
  receiver.applied = effect;
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
    Endpoint& e = endpoint(vt);
    if (effect <= e.applied) {
      // Re-executed: the reply it had, from the journal.
      ++stats_.duplicates;
      auto it = e.journal.find(effect);
      if (it == e.journal.end() || it->second.kind != JournalEntry::Kind::global ||
          it->second.name != name || it->second.op != op) {
        reply(r, true, nullptr,
              "global operation number " + std::to_string(effect) + " of VT " + std::to_string(vt) +
                  " on '" + name +
                  "' was not the same operation in the first run (or is older than the VT's "
                  "checkpoint)",
              int(errc::replay_diverged));
        return;
      }
      const JournalEntry& entry = it->second;
      reply(r, true, entry.value.set ? &entry.value : nullptr, entry.error, entry.code);
      return;
    }
    if (effect != e.applied + 1)
      protocol(vt, "global operation number " + std::to_string(effect) + " after " +
                       std::to_string(e.applied));
  }
  for (const GlobalOutcome& outcome : globals_.request(name, std::move(r)))
    applied(outcome);
}

void MessagesOwner::applied(const GlobalOutcome& outcome) {
  const GlobalRequest& r = outcome.request;
  if (r.who != client) {
    JournalEntry entry;
    entry.kind = JournalEntry::Kind::global;
    entry.op = r.op;
    entry.name = outcome.name;
    entry.value = outcome.value;
    entry.error = outcome.error;
    entry.code = outcome.code;
    Endpoint& e = endpoint(r.who);
    e.applied = r.effect;
    e.journal[r.effect] = std::move(entry);
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
  Endpoint& inbox = endpoint(client);
  for (;;) {
    throw_if_closed();
    for (auto it = inbox.waiting.begin(); it != inbox.waiting.end(); ++it) {
      if (from != any_sender && it->from != from)
        continue;
      if (it->type != type)
        throw error(errc::type_mismatch, "the client receives " + demangle(type) +
                                             ", but the next message from " + who(it->from) +
                                             " is a " + demangle(it->type.c_str()));
      Bytes value = std::move(it->value);
      stats_.buffered_bytes -= value.size();
      inbox.waiting.erase(it);
      release_backpressure();
      return value;
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
