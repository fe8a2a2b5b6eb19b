// Overhead of transformed code when no capture is due: the same GA-like source compiled with
// and without the ppp2p plugin (clang++-19 -O2 both), timed alternately in one process.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <vector>

namespace with_ppp2p {
double evolve(int generations, int size, int genes);
long queens(int n);
long queens_in_place(int n);
long queens_virtual(int n);
} // namespace with_ppp2p
namespace plain {
double evolve(int generations, int size, int genes);
long queens(int n);
long queens_in_place(int n);
long queens_virtual(int n);
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
  struct Variant {
    const char* name;
    long (*fn)(int);
    std::vector<double> times;
    long count = 0;
    double median() const { return times[times.size() / 2]; }
  };
  Variant variants[] = {{"plain clang++-19 -O2", plain::queens, {}},
                        {"with ppp2p plugin -O2", with_ppp2p::queens, {}},
                        {"plain, board in place (&)", plain::queens_in_place, {}},
                        {"plugin, board in place (&)", with_ppp2p::queens_in_place, {}},
                        {"plain, virtual recursion", plain::queens_virtual, {}},
                        {"plugin, virtual recursion", with_ppp2p::queens_virtual, {}}};
  for (Variant& v : variants)
    time_queens(v.fn, v.count); // warm-up
  for (int r = 0; r < rounds; ++r)
    for (Variant& v : variants)
      v.times.push_back(time_queens(v.fn, v.count));
  for (Variant& v : variants) {
    if (v.count != 73712) {
      std::fprintf(stderr, "13 queens (%s): %ld solutions, expected 73712\n", v.name, v.count);
      return 1;
    }
    std::sort(v.times.begin(), v.times.end());
  }
  std::printf("\ncall-heavy recursion: %d-queens, every recursive call a site (and a checkpoint() "
              "in each call), the board by value, in place by reference, and in place through "
              "a virtual function recursing through the vtable; median of %d alternating "
              "rounds; each plugin row's ratio is to the plain row above it\n\n",
              n, rounds);
  std::printf("| variant                    | median s | min s   | ratio  |\n");
  std::printf("|----------------------------|----------|---------|--------|\n");
  for (std::size_t i = 0; i < std::size(variants); ++i) {
    const Variant& v = variants[i];
    const Variant& baseline = variants[i / 2 * 2];
    std::printf("| %-26s | %8.4f | %7.4f | %.3f  |\n", v.name, v.median(), v.times.front(),
                v.median() / baseline.median());
  }
  std::printf("\nrecursion overhead: %+.2f %% by value (goal <= 5 %%), %+.2f %% in place, "
              "%+.2f %% through the vtable\n",
              (variants[1].median() / variants[0].median() - 1) * 100,
              (variants[3].median() / variants[2].median() - 1) * 100,
              (variants[5].median() / variants[4].median() - 1) * 100);
  return 0;
}
