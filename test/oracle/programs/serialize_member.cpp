// A user class with private state and a cereal-style serialize() member.
#include "../oracle.hpp"

#include <string>
#include <vector>

class Histogram {
public:
  Histogram() = default;
  explicit Histogram(int buckets) : counts_(buckets, 0), label_("h" + std::to_string(buckets)) {}
  void add(int value) {
    counts_[value % counts_.size()] += 1;
    total_ += value;
  }
  long summary() const {
    long s = total_;
    for (std::size_t i = 0; i < counts_.size(); ++i)
      s = s * 7 + counts_[i];
    return s + long(label_.size());
  }
  template <class Archive> void serialize(Archive& archive) { archive(counts_, label_, total_); }

private:
  std::vector<int> counts_;
  std::string label_;
  long total_ = 0;
};

[[ppp2p::checkpointable]] long root(int n) {
  Histogram h(5);
  std::vector<Histogram> more;
  for (int i = 0; i < n; ++i) {
    h.add(i * i);
    if (i % 3 == 0)
      more.emplace_back(i + 2);
    for (auto& m : more)
      m.add(i);
    ppp2p::checkpoint();
  }
  long s = h.summary();
  for (auto& m : more)
    s += m.summary();
  return s;
}

PPP2P_ORACLE_MAIN(root, 10)
