// Call-heavy recursion for bench-overhead: N-queens with a site in every recursive call (each
// call is a call of a checkpointable function, and each also calls checkpoint()), the board
// passed by value, and again worked on in place through a reference (a pointer slot in every
// frame, the caller's board kept in memory). Compiled into the benchmark twice, without the
// plugin (namespace plain) and with it (namespace with_ppp2p).
#include <ppp2p/checkpoint.hpp>

#include <array>

namespace BENCH_VARIANT {

struct Board {
  std::array<int, 16> column{}; // the queen's column in each row placed so far
};

[[ppp2p::checkpointable]] long place(Board board, int row, int n) {
  if (row == n)
    return 1;
  ppp2p::checkpoint();
  long found = 0;
  for (int col = 0; col < n; ++col) {
    bool safe = true;
    for (int r = 0; r < row && safe; ++r) {
      int d = board.column[r] - col;
      safe = d != 0 && d != row - r && d != r - row;
    }
    if (!safe)
      continue;
    Board next = board;
    next.column[row] = col;
    found += place(next, row + 1, n);
  }
  return found;
}

long queens(int n) {
  return place(Board{}, 0, n);
}

[[ppp2p::checkpointable]] long place_in_place(Board& board, int row, int n) {
  if (row == n)
    return 1;
  ppp2p::checkpoint();
  long found = 0;
  for (int col = 0; col < n; ++col) {
    bool safe = true;
    for (int r = 0; r < row && safe; ++r) {
      int d = board.column[r] - col;
      safe = d != 0 && d != row - r && d != r - row;
    }
    if (!safe)
      continue;
    board.column[row] = col;
    found += place_in_place(board, row + 1, n);
  }
  return found;
}

long queens_in_place(int n) {
  Board board;
  return place_in_place(board, 0, n);
}

} // namespace BENCH_VARIANT
