// Call-heavy recursion for bench-overhead: N-queens with the board by value and a site in every
// recursive call (each call is a call of a checkpointable function, and each also calls
// checkpoint()). Compiled into the benchmark twice, without the plugin (namespace plain) and
// with it (namespace with_ppp2p).
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

} // namespace BENCH_VARIANT
