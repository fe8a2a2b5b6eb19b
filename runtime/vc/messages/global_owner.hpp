// The global variables of a virtual computer, as their owner holds them: values, their types,
// the update in progress on each (acquire ... commit or abort) and the operations queued behind
// it. Pure protocol logic: no locks, no frames, no journal; it answers what each operation
// returns, and the caller (MessagesOwner today, a worker agent owning globals next:
// docs/direct-messages.md) journals and replies. Operations on one global are applied in the
// order they arrive, one at a time; a queued operation is applied when the update ahead of it
// ends, so every operation is linearizable at the moment it is applied.
#pragma once

#include <ppp2p/messages.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ppp2p::detail {

enum class GlobalOpKind : std::uint8_t { read, write, acquire, commit, abort };

/// One operation of a VT (or the client) on a global, numbered by its effect.
struct GlobalRequest {
  VtId who = 0;
  std::uint64_t effect = 0;
  GlobalOpKind op = GlobalOpKind::read;
  std::string type;  // typeid name of T
  GlobalValue value; // write: the value written
};

/// What an applied operation answers: the value a read returns or an update sees, or an error
/// (the global holds another type).
struct GlobalOutcome {
  std::string name; // of the global
  GlobalRequest request;
  GlobalValue value;
  std::string error;
  int code = -1; // an errc, with error
};

class GlobalOwner {
public:
  /// Applies read, write or acquire `request` on global `name` now, or queues it behind the
  /// update in progress (and what is queued already). Returns what was applied.
  std::vector<GlobalOutcome> request(const std::string& name, GlobalRequest request);

  /// Ends the update `who` holds on `name` at `effect`: commits `value`, or aborts (null).
  /// False if there is no such update (undone since, or a replay). `applied` gets the queued
  /// operations applied once it ended.
  bool release(const std::string& name, VtId who, std::uint64_t effect, const Bytes* value,
               std::vector<GlobalOutcome>& applied);

  struct Dropped {
    std::vector<std::uint64_t> undone; // effects of the updates `who` held, not committed
    std::vector<GlobalOutcome> applied;
  };
  /// `who` stopped or ended: its queued operations are dropped and the updates it holds
  /// undone (in the order of the globals' names).
  Dropped drop(VtId who);

  /// Operations applied so far (queued ones once applied).
  std::uint64_t operations() const { return operations_; }

private:
  struct Global {
    std::string type; // fixed by the first operation that succeeds
    GlobalValue value;
    std::optional<GlobalRequest> holder; // an update in progress (acquire granted)
    std::deque<GlobalRequest> queue;     // operations waiting for the holder
  };

  GlobalOutcome apply(Global& global, const std::string& name, GlobalRequest request);
  void drain(Global& global, const std::string& name, std::vector<GlobalOutcome>& applied);

  std::map<std::string, Global> globals_;
  std::uint64_t operations_ = 0;
};

} // namespace ppp2p::detail
