#include "replicas.hpp"

#include <algorithm>

namespace ppp2p::agent::vc {

Replicas::Plan Replicas::checkpointed(VtNumber vt, std::uint64_t effect, const std::string& host,
                                      const std::vector<std::string>& workers) {
  Plan plan;
  if (!enabled())
    return plan;
  std::vector<std::string> others;
  for (const std::string& w : workers)
    if (w != host)
      others.push_back(w);
  std::sort(others.begin(), others.end());
  Entry& e = entries_[vt];
  std::set<std::string> previous = std::move(e.asked);
  e = Entry{effect, {}, {}};
  for (std::size_t k = 0; k < others.size() && k < count_; ++k) {
    const std::string& w = others[(turn_ + k) % others.size()];
    e.asked.insert(w);
    plan.send.push_back(w);
  }
  ++turn_;
  for (const std::string& w : previous)
    if (!e.asked.contains(w))
      plan.drop.push_back(w);
  return plan;
}

void Replicas::kept(const std::string& worker, VtNumber vt, std::uint64_t effect) {
  auto it = entries_.find(vt);
  if (it != entries_.end() && it->second.effect == effect && it->second.asked.contains(worker))
    it->second.kept.insert(worker);
}

std::vector<std::string> Replicas::holders(VtNumber vt, std::uint64_t effect) const {
  auto it = entries_.find(vt);
  if (it == entries_.end() || it->second.effect != effect)
    return {};
  return {it->second.kept.begin(), it->second.kept.end()};
}

void Replicas::consumed(const std::string& worker, VtNumber vt) {
  if (auto it = entries_.find(vt); it != entries_.end()) {
    it->second.asked.erase(worker);
    it->second.kept.erase(worker);
  }
}

void Replicas::forget_worker(const std::string& worker) {
  for (auto& [vt, e] : entries_) {
    e.asked.erase(worker);
    e.kept.erase(worker);
  }
}

std::vector<std::string> Replicas::forget_vt(VtNumber vt) {
  auto it = entries_.find(vt);
  if (it == entries_.end())
    return {};
  std::vector<std::string> holders(it->second.asked.begin(), it->second.asked.end());
  entries_.erase(it);
  return holders;
}

} // namespace ppp2p::agent::vc
