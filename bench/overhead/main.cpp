// Overhead of transformed code when no capture is due: the same GA-like source compiled with
// and without the ppp2p plugin (clang++-19 -O2 both), timed alternately in one process.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

namespace with_ppp2p {
double evolve(int generations, int size, int genes);
long queens(int n);
} // namespace with_ppp2p
namespace plain {
double evolve(int generations, int size, int genes);
long queens(int n);
} // namespace plain
namespace with_inner_sites {
double evolve(int generations, int size, int genes);
}

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 7;
  if (rounds < 1) {
    std::fprintf(stderr, "usage: bench-overhead [ROUNDS >= 1]\n");
    return 2;
  }
  const int generations = 3000, size = 200, genes = 200;
  using Clock = std::chrono::steady_clock;
  auto time = [&](double (*fn)(int, int, int), double& result) {
    auto start = Clock::now();
    result = fn(generations, size, genes);
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  std::vector<double> plain_times, ppp2p_times, inner_times;
  double plain_result = 0, ppp2p_result = 0, inner_result = 0;
  time(plain::evolve, plain_result); // warm-up
  time(with_ppp2p::evolve, ppp2p_result);
  time(with_inner_sites::evolve, inner_result);
  for (int r = 0; r < rounds; ++r) {
    plain_times.push_back(time(plain::evolve, plain_result));
    ppp2p_times.push_back(time(with_ppp2p::evolve, ppp2p_result));
    inner_times.push_back(time(with_inner_sites::evolve, inner_result));
  }
  if (plain_result != ppp2p_result || plain_result != inner_result) {
    std::fprintf(stderr, "results differ: %f vs %f vs %f\n", plain_result, ppp2p_result,
                 inner_result);
    return 1;
  }
  for (auto* times : {&plain_times, &ppp2p_times, &inner_times})
    std::sort(times->begin(), times->end());
  double plain_median = plain_times[plain_times.size() / 2];
  double ppp2p_median = ppp2p_times[ppp2p_times.size() / 2];
  double inner_median = inner_times[inner_times.size() / 2];
  std::printf(
      "overhead without capture: GA-like workload, %d generations x %d genomes x %d genes,\n"
      "one site per generation, nested checkpointable calls (%d calls per generation);\n"
      "the last row also makes every nested call a site (a checkpoint() inside it);\n"
      "median of %d alternating rounds, clang++-19 -O2\n\n",
      generations, size, genes, size + 1, rounds);
  std::printf("| variant                    | median s | min s   | ratio  |\n");
  std::printf("|----------------------------|----------|---------|--------|\n");
  std::printf("| plain clang++-19 -O2       | %8.4f | %7.4f | 1.000  |\n", plain_median,
              plain_times.front());
  std::printf("| with ppp2p plugin -O2      | %8.4f | %7.4f | %.3f  |\n", ppp2p_median,
              ppp2p_times.front(), ppp2p_median / plain_median);
  std::printf("| plugin, site in every call | %8.4f | %7.4f | %.3f  |\n", inner_median,
              inner_times.front(), inner_median / plain_median);
  std::printf("\noverhead: %+.2f %% (goal <= 1 %%); with a site inside each of the %d nested calls "
              "per generation: %+.2f %%\n",
              (ppp2p_median / plain_median - 1) * 100, size,
              (inner_median / plain_median - 1) * 100);

  // Call-heavy recursion: every call is a site, the state (a 64-byte board) passed by value.
  const int n = 13;
  auto time_queens = [&](long (*fn)(int), long& result) {
    auto start = Clock::now();
    result = fn(n);
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  std::vector<double> plain_queens, ppp2p_queens;
  long plain_count = 0, ppp2p_count = 0;
  time_queens(plain::queens, plain_count); // warm-up
  time_queens(with_ppp2p::queens, ppp2p_count);
  for (int r = 0; r < rounds; ++r) {
    plain_queens.push_back(time_queens(plain::queens, plain_count));
    ppp2p_queens.push_back(time_queens(with_ppp2p::queens, ppp2p_count));
  }
  if (plain_count != 73712 || ppp2p_count != 73712) {
    std::fprintf(stderr, "13 queens: %ld and %ld solutions, expected 73712\n", plain_count,
                 ppp2p_count);
    return 1;
  }
  std::sort(plain_queens.begin(), plain_queens.end());
  std::sort(ppp2p_queens.begin(), ppp2p_queens.end());
  double plain_q = plain_queens[plain_queens.size() / 2];
  double ppp2p_q = ppp2p_queens[ppp2p_queens.size() / 2];
  std::printf("\ncall-heavy recursion: %d-queens, the board by value, every recursive call a site "
              "(and a checkpoint() in each call); median of %d alternating rounds\n\n",
              n, rounds);
  std::printf("| variant                    | median s | min s   | ratio  |\n");
  std::printf("|----------------------------|----------|---------|--------|\n");
  std::printf("| plain clang++-19 -O2       | %8.4f | %7.4f | 1.000  |\n", plain_q,
              plain_queens.front());
  std::printf("| with ppp2p plugin -O2      | %8.4f | %7.4f | %.3f  |\n", ppp2p_q,
              ppp2p_queens.front(), ppp2p_q / plain_q);
  std::printf("\nrecursion overhead: %+.2f %% (goal <= 5 %%)\n", (ppp2p_q / plain_q - 1) * 100);
  return 0;
}
