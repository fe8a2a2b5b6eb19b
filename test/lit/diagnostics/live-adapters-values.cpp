// Purpose: container adapters, valarray, bitset, complex and chrono values move; an adapter or a
// standard container is refused for what it holds (elements, its container, a function-pointer
// comparator), with the part named. The codecs of ppp2p's own detail/ headers are not mistaken
// for users' codecs, which would accept anything.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <bitset>
#include <chrono>
#include <complex>
#include <functional>
#include <queue>
#include <stack>
#include <valarray>
#include <vector>

bool by_value(int a, int b) { return a < b; }

struct Weighted {
  int weight;
  bool operator()(int a, int b) const { return a * weight < b * weight; }
};

[[ppp2p::checkpointable]] long movable(int n) {
  std::stack<int> stack;
  std::queue<std::vector<int>> queue;
  std::priority_queue<std::pair<int, int>, std::vector<std::pair<int, int>>, std::greater<>> heap;
  std::priority_queue<int, std::vector<int>, Weighted> weighted(Weighted{3});
  auto order = [](int a, int b) { return a > b; };
  std::priority_queue<int, std::vector<int>, decltype(order)> ordered(order);
  std::valarray<double> values(1.0, 4);
  std::bitset<100> bits;
  std::complex<double> z(1, 2);
  std::chrono::milliseconds elapsed(5);
  ppp2p::checkpoint();
  stack.push(n);
  queue.push({n});
  heap.emplace(n, n);
  weighted.push(n);
  ordered.push(n);
  bits.set(1);
  return long(stack.size() + queue.size() + heap.size() + weighted.size() + ordered.size() +
              values.size() + bits.count() + z.real()) +
         elapsed.count();
}

[[ppp2p::checkpointable]] long refused(int n) {
  int x = n;
  std::stack<int*> pointers; // expected-error {{'pointers' of type 'std::stack<int *>' is live across a ppp2p site and cannot move to another process: std::stack element: raw pointers hold addresses of this process}} expected-note {{hint: keep the pointee by value}}
  std::priority_queue<int, std::vector<int>, bool (*)(int, int)> by_pointer(by_value); // expected-error {{'by_pointer' of type 'std::priority_queue<int, std::vector<int>, bool (*)(int, int)>' is live across a ppp2p site and cannot move to another process: std::priority_queue with a function-pointer comparator cannot be encoded: the address belongs to this process}} expected-note {{hint: use a comparator class such as std::greater<>, or a lambda}}
  std::vector<int*> addresses; // expected-error {{'addresses' of type 'std::vector<int *>' is live across a ppp2p site and cannot move to another process: std::vector element: raw pointers hold addresses of this process}} expected-note {{hint: keep the pointee by value}}
  std::valarray<const int*> views; // expected-error {{'views' of type 'std::valarray<const int *>' is live across a ppp2p site and cannot move to another process: std::valarray element: raw pointers}} expected-note {{hint: keep the pointee by value}}
  ppp2p::checkpoint(); // expected-note 4 {{is live across this site}}
  pointers.push(&x);
  by_pointer.push(n);
  addresses.push_back(&x);
  return long(pointers.size() + by_pointer.size() + addresses.size() + views.size());
}
