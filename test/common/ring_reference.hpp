// The ring that the virtual-computer tests run (test/vc/messages_test.cpp, and through agents
// test/e2e/vc_probe.cpp): each round, VT k folds in the value of VT k-1 (mod n) with ring_step
// and adds its new value to a global sum. ring_reference computes the same sequentially.
#pragma once

#include <vector>

namespace ppp2p::test {

inline long ring_step(long mine, long left) {
  return (mine * 31 + left) % 1000003;
}

struct RingReference {
  std::vector<long> values; // each VT's value after the last round
  long sum = 0;             // the global sum
};

// VT k starts from k.
inline RingReference ring_reference(unsigned n, int rounds) {
  RingReference r;
  for (unsigned k = 0; k < n; ++k)
    r.values.push_back(long(k));
  for (int round = 0; round < rounds; ++round) {
    std::vector<long> next(n);
    for (unsigned k = 0; k < n; ++k) {
      next[k] = ring_step(r.values[k], r.values[(k + n - 1) % n]);
      r.sum += next[k];
    }
    r.values = next;
  }
  return r;
}

} // namespace ppp2p::test
