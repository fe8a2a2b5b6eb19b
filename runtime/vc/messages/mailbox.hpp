// One VT's effects as the owner of its messages sees them: the highest effect applied (each
// exactly once), the messages waiting for it, and the journal, since its newest checkpoint, of
// what its effects saw (messages taken, receives that found nothing, global replies), which a
// run resumed from that checkpoint is shown again. Pure protocol logic: no locks, no frames,
// no flow control (MessagesOwner composes it with those; a worker agent will host it next:
// docs/direct-messages.md).
#pragma once

#include <ppp2p/messages.hpp>

#include "vc/messages/global_owner.hpp"
#include "vc/messages/waiting_message.hpp"

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <utility>

namespace ppp2p::detail {

class Mailbox {
public:
  using Message = WaitingMessage;
  using Taken = std::pair<VtId, std::uint64_t>; // (from, message number)

  struct Entry {
    enum class Kind : std::uint8_t { consumed, miss, global } kind = Kind::miss;
    std::uint64_t count = 1;              // miss: a run of misses, from the entry's effect on
    Message message;                      // consumed
    GlobalOpKind op = GlobalOpKind::read; // global
    std::string name;                     // global
    GlobalValue value;                    // global: what a read returned or an update saw
    std::string error;                    // global: the failure it replied
    int code = -1;
  };

  /// The highest effect applied: a resumed VT re-executes up to here.
  std::uint64_t applied() const { return applied_; }
  /// An effect at or below applied() was applied before: this is a re-execution.
  bool replayed(std::uint64_t effect) const { return effect <= applied_; }
  /// Marks `effect` applied (a send, a partial result: nothing to journal).
  void apply(std::uint64_t effect) { applied_ = effect; }

  /// A message for this VT, waiting until a receive takes it.
  void put(Message message) { waiting_.push_back(std::move(message)); }
  const std::deque<Message>& waiting() const { return waiting_; }

  struct Consumed {
    std::size_t bytes = 0;        // of the messages taken
    std::uint64_t replayed = 0;   // entries of the run applied before
    std::optional<Taken> invalid; // the first new entry that is not a waiting message
  };
  /// Receives first, first + 1, ... took `taken`, all or nothing: if a new entry names no
  /// waiting message (or one another entry names), nothing is applied and it is `invalid`.
  /// Taken messages are journaled when `journal` (a VT; not the client, which never resumes).
  Consumed consume_run(std::uint64_t first, std::span<const Taken> taken, bool journal);
  /// The first waiting message `accept` takes, removed: the client's receive.
  template <class Accept> std::optional<Message> take_first(Accept&& accept);

  enum class Missed : std::uint8_t { applied, replayed, gap };
  /// Receives first .. first + count - 1 found nothing: journaled, or `replayed` (applied
  /// before: nothing done), or a `gap` after applied() (a protocol error: nothing done).
  Missed miss(std::uint64_t first, std::uint64_t count);
  /// Global operation `effect` was applied and answered this.
  void journal_global(std::uint64_t effect, Entry entry);
  /// The journal entry at `effect`, if kept.
  const Entry* journaled(std::uint64_t effect) const;

  /// What a run resumed at `effect` must see again, in order: `miss(first, count)` for
  /// receives that found nothing, `consumed(effect, message)` for messages taken.
  template <class Miss, class Consumed>
  void replay_after(std::uint64_t effect, Miss&& miss, Consumed&& consumed) const;
  /// A checkpoint at `effect` is kept: the journal before it is dropped.
  void checkpointed(std::uint64_t effect);
  /// Effects from `effect` on are undone (an update that never committed): applied() goes
  /// back to before it and their journal is dropped.
  void undo_from(std::uint64_t effect);
  /// The VT ended: its journal and waiting messages dropped; returns (messages, bytes).
  std::pair<std::size_t, std::size_t> clear();

private:
  std::deque<Message>::iterator find_waiting(Taken taken);

  std::uint64_t applied_ = 0;
  std::map<std::uint64_t, Entry> journal_;
  std::deque<Message> waiting_;
};

template <class Accept> std::optional<WaitingMessage> Mailbox::take_first(Accept&& accept) {
  for (auto it = waiting_.begin(); it != waiting_.end(); ++it)
    if (accept(*it)) {
      Message out = std::move(*it);
      waiting_.erase(it);
      return out;
    }
  return std::nullopt;
}

template <class Miss, class Consumed>
void Mailbox::replay_after(std::uint64_t effect, Miss&& miss, Consumed&& consumed) const {
  for (const auto& [first, entry] : journal_) {
    std::uint64_t end = first + (entry.kind == Entry::Kind::miss ? entry.count : 1);
    if (end <= effect + 1)
      continue; // before the checkpoint
    std::uint64_t from = std::max(first, effect + 1);
    if (entry.kind == Entry::Kind::miss)
      miss(from, end - from);
    else if (entry.kind == Entry::Kind::consumed)
      consumed(first, entry.message);
  }
}

} // namespace ppp2p::detail
