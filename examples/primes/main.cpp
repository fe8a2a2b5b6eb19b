// primes: counts the primes in [A, B] with a task farm on a virtual computer. The range is cut
// into chunks; each chunk is a virtual thread (a checkpointable function that calls
// checkpoint() between blocks of numbers); results are summed as they come. Progress goes to
// stderr; the last line of stdout ends with the count.
#include <ppp2p/ppp2p.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace {

bool is_prime(long long n) {
  if (n < 2)
    return false;
  if (n % 2 == 0)
    return n == 2;
  for (long long d = 3; d * d <= n; d += 2)
    if (n % d == 0)
      return false;
  return true;
}

/// Trial division costs about sqrt(n) for a prime and little for most composites, and primes
/// thin out as 1/ln(n): testing the numbers near n costs about sqrt(n)/ln(n) each.
double cost_density(double n) {
  return std::sqrt(n) / std::log(n + 3.0);
}

/// [from, to] cut into chunks of decreasing cost, the most expensive (the top of the range)
/// first: each costs an eighth of what remains per worker, down to 1/64 of a worker's share
/// (guided self-scheduling). Workers take the next chunk as they finish one, so they all end
/// within one of the last, small chunks of each other.
std::vector<std::pair<long long, long long>> guided_chunks(long long from, long long to,
                                                           unsigned workers) {
  const int steps = 1 << 14; // integration steps: cut points are exact to span / steps
  long long span = to - from + 1;
  std::vector<double> cumulative(steps + 1, 0.0); // cost of [from, from + span * i / steps)
  for (int i = 0; i < steps; ++i) {
    double middle = double(from) + (double(i) + 0.5) * double(span) / steps;
    cumulative[std::size_t(i) + 1] = cumulative[std::size_t(i)] + cost_density(middle);
  }
  double total = cumulative[steps];
  double smallest = total / (64.0 * workers);
  std::vector<std::pair<long long, long long>> chunks;
  long long end = to;
  int step = steps; // the chunk ends at cut point `step`
  while (end >= from) {
    double remaining = cumulative[std::size_t(step)];
    double target = remaining - std::max(remaining / (8.0 * workers), smallest);
    int cut = step;
    while (cut > 0 && cumulative[std::size_t(cut) - 1] > target)
      --cut;
    cut = std::max(0, std::min(cut, step - 1));
    long long start = cut == 0 ? from : from + (long long)(double(span) * cut / steps);
    start = std::min(std::max(start, from), end);
    chunks.emplace_back(start, end);
    end = start - 1;
    step = cut;
  }
  return chunks;
}

} // namespace

/// Primes in [from, to], with a site every 4096 numbers.
[[ppp2p::checkpointable]] long long count_primes(long long from, long long to) {
  long long count = 0;
  for (long long n = from; n <= to; ++n) {
    count += is_prime(n);
    if ((n - from) % 4096 == 4095)
      ppp2p::checkpoint();
  }
  return count;
}

namespace {

[[noreturn]] void usage(int status) {
  std::fprintf(status ? stderr : stdout,
               "Usage: primes [--workers N] [--from A] [--to B] [--chunk C] [--quiet]\n\n"
               "Counts the primes in [A, B] (default [1, 2000000]) with a task farm of virtual\n"
               "threads of C numbers each (default: chunks of decreasing cost, the top of the\n"
               "range first, each an eighth of what remains per worker, so that the last ones\n"
               "are small) on a virtual computer of N workers (default: one per core). With\n"
               "PPP2P_AGENT set (the data dir of a running ppp2p-runtime) the workers are peers\n"
               "of its cluster; otherwise executor processes on this machine. Progress goes to\n"
               "stderr (--quiet: none); the last line of stdout ends with the count.\n");
  std::exit(status);
}

long long number(const char* flag, const char* text, long long min) {
  char* end = nullptr;
  errno = 0;
  long long value = std::strtoll(text, &end, 10);
  if (errno || !end || *end || value < min) {
    std::fprintf(stderr, "primes: %s needs a whole number >= %lld, got '%s'\n", flag, min, text);
    std::exit(2);
  }
  return value;
}

} // namespace

int main(int argc, char** argv) {
  long long from = 1, to = 2'000'000, chunk = 0;
  unsigned workers = 0;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "primes: %s needs a value\n", flag.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h")
      usage(0);
    else if (flag == "--workers")
      workers = unsigned(number("--workers", value(), 1));
    else if (flag == "--from")
      from = number("--from", value(), 0);
    else if (flag == "--to")
      to = number("--to", value(), 0);
    else if (flag == "--chunk")
      chunk = number("--chunk", value(), 1);
    else if (flag == "--quiet")
      quiet = true;
    else {
      std::fprintf(stderr, "primes: unknown option '%s' (see --help)\n", flag.c_str());
      return 2;
    }
  }
  if (to < from) {
    std::fprintf(stderr, "primes: --to (%lld) is below --from (%lld)\n", to, from);
    return 2;
  }
  try {
    auto started = std::chrono::steady_clock::now();
    ppp2p::VirtualComputer vc({.workers = workers});
    std::vector<std::pair<long long, long long>> ranges;
    if (chunk == 0)
      ranges = guided_chunks(from, to, vc.workers());
    else
      for (long long start = from; start <= to; start += chunk)
        ranges.emplace_back(start, std::min(to, start + chunk - 1));
    std::vector<ppp2p::VirtualThread<long long>> chunks;
    for (auto [start, end] : ranges)
      chunks.push_back(vc.spawn(count_primes, start, end));
    if (!quiet)
      std::fprintf(stderr, "primes: %zu chunks on %u workers\n", chunks.size(), vc.workers());
    long long count = 0;
    for (std::size_t i = 0; i < chunks.size(); ++i) {
      count += chunks[i].get();
      if (!quiet)
        std::fprintf(stderr, "\rprimes: %zu/%zu chunks done, %lld primes so far", i + 1,
                     chunks.size(), count);
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!quiet)
      std::fprintf(stderr, "\nprimes: %.2f s\n", seconds);
    std::printf("primes in [%lld, %lld]: %lld\n", from, to, count);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "primes: %s\n", e.what());
    return 1;
  }
  return 0;
}
