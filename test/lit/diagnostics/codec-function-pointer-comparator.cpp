// Purpose: without the plugin too, encoding a priority_queue whose comparator is a function
// pointer is a compile error that says why, from the codec itself.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/codec.hpp>

#include <queue>
#include <vector>

bool before(int a, int b) { return a < b; }

void encode_it(ppp2p::Writer& out) {
  std::priority_queue<int, std::vector<int>, bool (*)(int, int)> queue(before);
  ppp2p::encode(out, queue);
}

// expected-note@*:* 0+ {{}}
// expected-error@*:* {{ppp2p: a std::priority_queue whose comparator is a function pointer cannot move (the address belongs to this process)}}
// expected-error@*:* 0+ {{raw pointers cannot move to another process}}
