#include "ppp2p/net/membership/broadcast_queue.hpp"

namespace ppp2p::net::membership {

void BroadcastQueue::push(Update u) {
  MemberId id = u.id;
  if (auto it = by_member_.find(id); it != by_member_.end()) {
    order_.erase({it->second.transmits, it->second.seq});
    by_member_.erase(it);
  }
  Entry e{std::move(u), 0, next_seq_++};
  order_.emplace(Key{0, e.seq}, id);
  by_member_.emplace(id, std::move(e));
}

std::vector<Update> BroadcastQueue::take(std::size_t max, std::size_t limit,
                                         const std::function<bool(const Update&)>& skip) {
  std::vector<Update> out;
  std::vector<MemberId> taken;
  for (auto it = order_.begin(); it != order_.end() && taken.size() < max;) {
    if (skip && skip(by_member_.at(it->second).update)) {
      ++it;
      continue;
    }
    taken.push_back(it->second);
    it = order_.erase(it);
  }
  for (const MemberId& id : taken) {
    auto it = by_member_.find(id);
    Entry& e = it->second;
    out.push_back(e.update);
    if (++e.transmits >= limit)
      by_member_.erase(it);
    else
      order_.emplace(Key{e.transmits, e.seq}, id);
  }
  return out;
}

} // namespace ppp2p::net::membership
