// References and pointers live across sites, written the way people write C++: in-place
// recursion on a caller's array and vector (N-queens, merge sort), const& parameters, a pointer
// to a local, a reference to a field, a pointer walking a C array, std::max's reference, and
// pointers to a string literal, a const table and functions.
#include "../oracle.hpp"

#include <algorithm>
#include <string>
#include <vector>

struct Board {
  int queens[8];
  int placed;
};

static bool safe(const Board& b, int row, int col) {
  for (int r = 0; r < row; ++r)
    if (b.queens[r] == col || std::abs(b.queens[r] - col) == row - r)
      return false;
  return true;
}

// Works in place on the caller's board; a site in every recursive call.
[[ppp2p::checkpointable]] int solve(Board& board, int row, const int& size) {
  if (row == size)
    return 1;
  int count = 0;
  for (int col = 0; col < size; ++col) {
    if (!safe(board, row, col))
      continue;
    board.queens[row] = col;
    ++board.placed;
    if (row == 3)
      ppp2p::checkpoint();
    count += solve(board, row + 1, size);
  }
  return count;
}

// Merge sort of the caller's vector, in place, with a scratch vector of the root's.
[[ppp2p::checkpointable]] void merge_sort(std::vector<long>& values, std::vector<long>& scratch,
                                          std::size_t lo, std::size_t hi) {
  if (hi - lo < 2)
    return;
  std::size_t mid = lo + (hi - lo) / 2;
  merge_sort(values, scratch, lo, mid);
  merge_sort(values, scratch, mid, hi);
  if (hi - lo >= 64)
    ppp2p::checkpoint();
  std::merge(values.begin() + lo, values.begin() + mid, values.begin() + mid, values.begin() + hi,
             scratch.begin() + lo);
  std::copy(scratch.begin() + lo, scratch.begin() + hi, values.begin() + lo);
}

[[ppp2p::checkpointable]] long weigh(const std::vector<long>& values, const std::string& label) {
  long total = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    total += values[i] * long(i % 7 + 1);
    if (i % 100 == 0)
      ppp2p::checkpoint();
  }
  return total + long(label.size());
}

static const int kPrimes[] = {2, 3, 5, 7, 11, 13, 17, 19};
static long twice(long x) {
  return 2 * x;
}
static long thrice(long x) {
  return 3 * x;
}

// Pointers outside the frames that still move: into a string literal, a const table, and to
// functions; they are found again by their place in the program.
[[ppp2p::checkpointable]] long constants(int n) {
  const char* label = n % 2 ? "odd" : "even";
  const int* prime = kPrimes;
  long (*scale)(long) = n % 3 ? twice : thrice;
  long total = 0;
  for (int i = 0; i < 8; ++i) {
    ppp2p::checkpoint();
    total = scale(total + *prime++) + label[i % 3];
  }
  return total;
}

[[ppp2p::checkpointable]] long run(int n) {
  Board board{};
  int size = 6;
  long solutions = solve(board, 0, size);

  std::vector<long> values;
  for (int i = 0; i < n; ++i)
    values.push_back((i * 7919L) % 1009 - 500);
  std::vector<long> scratch(values.size());
  merge_sort(values, scratch, 0, values.size());
  std::string label = "sorted";
  long weight = weigh(values, label);

  // A pointer to a local and a reference to a field, both live across sites.
  long sums[16] = {};
  long* cursor = sums;
  int& placed = board.placed;
  for (int i = 0; i < 16; ++i) {
    *cursor++ = values[std::size_t(i)] + placed;
    ppp2p::checkpoint();
    placed += 1;
  }
  long a = sums[3], b = sums[11];
  const long& larger = std::max(a, b);
  ppp2p::checkpoint();
  long tail = 0;
  for (long s : sums)
    tail = tail * 31 + s;
  return solutions * 1000003 + weight * 7 + tail + larger + (cursor - sums) + constants(n);
}

PPP2P_ORACLE_MAIN(run, 400)
