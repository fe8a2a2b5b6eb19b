// Purpose: a mutable global, static member, static local or thread_local that a checkpointable
// function reads or writes does not move with the VT: an error naming it and the function, a
// note at the declaration and a hint; each variable once. Constants, [[ppp2p::process_local]]
// variables, std::cout and unevaluated uses are fine.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <iostream>
#include <map>

int solutions = 0; // expected-note {{'solutions' is declared here}} expected-note-re {{hint: use ppp2p::global<T> {{.*}}[[ppp2p::process_local]]{{.*}}}}
const int board_size = 8;
constexpr int limits[] = {1, 2, 3};
[[ppp2p::process_local]] std::map<int, long> memo;
thread_local int depth = 0; // expected-note {{'depth' is declared here}} expected-note-re {{hint: {{.*}}}}

struct Stats {
  static long calls;
  static const long cap = 10;
};
long Stats::calls = 0; // expected-note {{'calls' is declared here}} expected-note-re {{hint: {{.*}}}}

[[ppp2p::checkpointable]] int queens(int row) {
  if (row == board_size) {
    ++solutions; // expected-error {{checkpointable function 'queens' uses 'solutions', a mutable global variable: it stays in this process when a virtual thread moves, so a resumed run would see another value}}
    return 1;
  }
  solutions += 0; // reported once
  ++depth; // expected-error {{checkpointable function 'queens' uses 'depth', a mutable thread_local variable}}
  Stats::calls += limits[0] + int(sizeof(solutions)) + int(Stats::cap); // expected-error {{checkpointable function 'queens' uses 'calls', a mutable global variable}}
  static int visits = 0; // expected-error {{checkpointable function 'queens' uses 'visits', a mutable static variable}} expected-note {{'visits' is declared here}} expected-note-re {{hint: {{.*}}}}
  ++visits;
  memo[row] += 1;
  std::cout << row << '\n';
  int found = 0;
  for (int col = 0; col < board_size; ++col) {
    found += queens(row + 1);
    ppp2p::checkpoint();
  }
  return found;
}

// Not checkpointable: unrestricted.
void count_plainly() {
  ++solutions;
}
