#include "vc/messages/mailbox.hpp"

#include <algorithm>
#include <set>

namespace ppp2p::detail {

std::deque<WaitingMessage>::iterator Mailbox::find_waiting(Taken taken) {
  return std::find_if(waiting_.begin(), waiting_.end(), [&](const Message& m) {
    return m.from == taken.first && m.number == taken.second;
  });
}

Mailbox::Consumed Mailbox::consume_run(std::uint64_t first, std::span<const Taken> taken,
                                       bool journal) {
  Consumed out;
  std::set<Taken> named;
  for (std::size_t i = 0; i < taken.size(); ++i) {
    if (replayed(first + i))
      continue;
    if (find_waiting(taken[i]) == waiting_.end() || !named.insert(taken[i]).second) {
      out.invalid = taken[i];
      return out;
    }
  }
  for (std::size_t i = 0; i < taken.size(); ++i) {
    std::uint64_t effect = first + i;
    if (replayed(effect)) {
      ++out.replayed;
      continue;
    }
    auto it = find_waiting(taken[i]);
    out.bytes += it->value.size();
    Entry entry;
    entry.kind = Entry::Kind::consumed;
    entry.message = std::move(*it);
    waiting_.erase(it);
    if (journal)
      journal_[effect] = std::move(entry);
    applied_ = effect;
  }
  return out;
}

Mailbox::Missed Mailbox::miss(std::uint64_t first, std::uint64_t count) {
  std::uint64_t end = first + count; // one past the last
  if (end - 1 <= applied_)
    return Missed::replayed;
  first = std::max(first, applied_ + 1);
  if (first != applied_ + 1)
    return Missed::gap;
  Entry entry;
  entry.count = end - first;
  journal_[first] = std::move(entry);
  applied_ = end - 1;
  return Missed::applied;
}

void Mailbox::journal_global(std::uint64_t effect, Entry entry) {
  entry.kind = Entry::Kind::global;
  journal_[effect] = std::move(entry);
  applied_ = effect;
}

const Mailbox::Entry* Mailbox::journaled(std::uint64_t effect) const {
  auto it = journal_.find(effect);
  return it == journal_.end() ? nullptr : &it->second;
}

void Mailbox::checkpointed(std::uint64_t effect) {
  for (auto it = journal_.begin(); it != journal_.end() && it->first <= effect;) {
    bool straddles =
        it->second.kind == Entry::Kind::miss && it->first + it->second.count > effect + 1;
    it = straddles ? std::next(it) : journal_.erase(it);
  }
}

void Mailbox::undo_from(std::uint64_t effect) {
  applied_ = effect - 1;
  journal_.erase(journal_.lower_bound(effect), journal_.end());
}

std::pair<std::size_t, std::size_t> Mailbox::clear() {
  std::size_t bytes = 0;
  for (const Message& m : waiting_)
    bytes += m.value.size();
  std::pair<std::size_t, std::size_t> out{waiting_.size(), bytes};
  waiting_.clear();
  journal_.clear();
  return out;
}

} // namespace ppp2p::detail
