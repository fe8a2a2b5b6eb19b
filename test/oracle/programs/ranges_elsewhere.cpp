// Range-for loops with sites over ranges that are not locals of the function and whose
// iterators are more than one pointer: a deque member walked by a member function, a deque
// taken by const&, and a user's own container class with its own iterator class, taken by
// const& (each iterator moves as its distance from the range's begin(), restored after the
// range's pointer; elements by reference relocate into the deque's element regions).
#include "../oracle.hpp"

#include <cstddef>
#include <deque>
#include <vector>

class Scores {
public:
  class const_iterator {
  public:
    const_iterator(const Scores* owner, std::size_t at) : owner_(owner), at_(at) {}
    int operator*() const { return owner_->values_[at_] * owner_->scale_; }
    const_iterator& operator++() {
      ++at_;
      return *this;
    }
    bool operator==(const const_iterator& other) const { return at_ == other.at_; }
    bool operator!=(const const_iterator& other) const { return at_ != other.at_; }

  private:
    const Scores* owner_;
    std::size_t at_;
  };

  Scores(int n, int scale) : scale_(scale) {
    for (int i = 0; i < n; ++i)
      values_.push_back(i * i % 17);
  }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, values_.size()}; }

private:
  std::vector<int> values_;
  int scale_;
};

class History {
public:
  void record(int v) {
    events_.push_back(v);
    if (events_.size() > 40)
      events_.pop_front(); // the deque's first chunk no longer starts at its beginning
  }

  [[ppp2p::checkpointable]] long fold() {
    long h = 7;
    for (int& e : events_) { // a member deque, elements by reference
      h = (h * 33 + e) % 1000003;
      e += 1;
      ppp2p::checkpoint();
    }
    return h;
  }

private:
  std::deque<int> events_;
};

[[ppp2p::checkpointable]] long weigh(const std::deque<int>& items, const Scores& scores) {
  long total = 0;
  for (int item : items) {
    total = (total * 31 + item) % 1000000007;
    ppp2p::checkpoint();
  }
  for (int s : scores) {
    total = (total * 17 + s) % 1000000007;
    ppp2p::checkpoint();
  }
  return total;
}

[[ppp2p::checkpointable]] long run(int n) {
  History history;
  for (int i = 0; i < n * 5; ++i)
    history.record(i * 7 % 23);
  long total = history.fold();
  total += history.fold(); // sees the increments of the first pass

  std::deque<int> items;
  for (int i = 0; i < n; ++i) {
    items.push_front(i);
    items.push_back(-i);
  }
  Scores scores(n, 3);
  total ^= weigh(items, scores);
  return total;
}

PPP2P_ORACLE_MAIN(run, 12)
