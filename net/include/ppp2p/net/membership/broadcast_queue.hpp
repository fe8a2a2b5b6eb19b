// BroadcastQueue: updates waiting to be piggybacked on outgoing messages. The least-sent update
// goes first; each is sent a limited number of times; a newer update about a member replaces
// the older one, so the queue never holds stale news.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <vector>

#include "ppp2p/net/membership/types.hpp"

namespace ppp2p::net::membership {

class BroadcastQueue {
public:
  // Queues u, replacing anything queued about the same member.
  void push(Update u);
  // Up to max updates for one message; each taken update counts one transmission and is
  // dropped once sent `limit` times. Updates for which skip() holds stay queued untouched
  // (news the recipient cannot need, such as "you are alive").
  std::vector<Update> take(std::size_t max, std::size_t limit,
                           const std::function<bool(const Update&)>& skip = {});
  std::size_t size() const noexcept { return by_member_.size(); }
  bool empty() const noexcept { return by_member_.empty(); }
  void clear() noexcept {
    by_member_.clear();
    order_.clear();
  }

private:
  struct Entry {
    Update update;
    std::size_t transmits = 0;
    std::uint64_t seq = 0;
  };
  // Ordered by (transmits, newest first): the front is what to send next.
  using Key = std::pair<std::size_t, std::uint64_t>;
  struct KeyLess {
    bool operator()(const Key& a, const Key& b) const {
      return a.first != b.first ? a.first < b.first : a.second > b.second;
    }
  };
  std::map<Key, MemberId, KeyLess> order_;
  std::map<MemberId, Entry> by_member_;
  std::uint64_t next_seq_ = 0;
};

} // namespace ppp2p::net::membership
