// Call-heavy recursion for bench-overhead: N-queens with a site in every recursive call (each
// call is a call of a checkpointable function, and each also calls checkpoint()), the board
// passed by value, and again worked on in place through a reference (a pointer slot in every
// frame, the caller's board kept in memory), and in place through a virtual function that
// recurses through the vtable (every call a virtual call site). Compiled into the benchmark
// twice, without the plugin (namespace plain) and with it (namespace with_ppp2p).
#include <ppp2p/checkpoint.hpp>

#include <array>

namespace BENCH_VARIANT {

struct Board {
  std::array<int, 16> column{}; // the queen's column in each row placed so far
};

/// No queen placed in rows [0, row) attacks (row, col).
inline bool is_safe(const Board& board, int row, int col) {
  for (int r = 0; r < row; ++r) {
    int d = board.column[r] - col;
    if (d == 0 || d == row - r || d == r - row)
      return false;
  }
  return true;
}

[[ppp2p::checkpointable]] long place(Board board, int row, int n) {
  if (row == n)
    return 1;
  ppp2p::checkpoint();
  long found = 0;
  for (int col = 0; col < n; ++col) {
    if (!is_safe(board, row, col))
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
    if (!is_safe(board, row, col))
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

class Placer {
public:
  virtual ~Placer() = default;
  [[ppp2p::checkpointable]] virtual long place(Board& board, int row, int n) = 0;
};

class QueensPlacer : public Placer {
public:
  long place(Board& board, int row, int n) override {
    if (row == n)
      return 1;
    ppp2p::checkpoint();
    long found = 0;
    for (int col = 0; col < n; ++col) {
      if (!is_safe(board, row, col))
        continue;
      board.column[row] = col;
      found += next_->place(board, row + 1, n); // through Placer's vtable
    }
    return found;
  }

private:
  Placer* next_ = this;
};

long queens_virtual(int n) {
  QueensPlacer placer;
  Board board;
  return placer.place(board, 0, n);
}

} // namespace BENCH_VARIANT
