// Replicas: where, besides the client, the newest checkpoint of each VT of a deployment is
// kept: which workers to send it to, which acknowledged it, and which of them may resume the VT
// from it without the snapshot crossing the network again. Bookkeeping only: the deployment
// sends the messages.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "deploy_messages.hpp"

namespace ppp2p::agent::vc {

class Replicas {
public:
  explicit Replicas(unsigned count) : count_(count) {}
  bool enabled() const noexcept { return count_ > 0; }

  struct Plan {
    std::vector<std::string> send; // the new checkpoint goes to these
    std::vector<std::string> drop; // these keep an older one they no longer need
  };
  /// A new checkpoint (effect) of `vt`, taken on `host`: `count` workers among `workers` other
  /// than the host, taken in turn so that replicas spread.
  Plan checkpointed(VtNumber vt, std::uint64_t effect, const std::string& host,
                    const std::vector<std::string>& workers);
  /// `worker` acknowledged keeping `effect` of `vt`; ignored if that is not the newest.
  void kept(const std::string& worker, VtNumber vt, std::uint64_t effect);
  /// The workers that acknowledged checkpoint `effect` of `vt`.
  std::vector<std::string> holders(VtNumber vt, std::uint64_t effect) const;
  /// `worker` no longer holds `vt` (it resumed it from the replica, or had none).
  void consumed(const std::string& worker, VtNumber vt);
  /// `worker` is gone: it holds nothing.
  void forget_worker(const std::string& worker);
  /// `vt` ended for good: the workers that should drop what they keep of it.
  std::vector<std::string> forget_vt(VtNumber vt);

private:
  struct Entry {
    std::uint64_t effect = 0;
    std::set<std::string> asked, kept; // kept is a subset of asked
  };
  unsigned count_;
  std::unordered_map<VtNumber, Entry> entries_;
  std::uint64_t turn_ = 0;
};

} // namespace ppp2p::agent::vc
