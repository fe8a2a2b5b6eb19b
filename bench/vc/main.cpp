// Virtual computers on the embedded peer: fixed costs, spawn throughput, task-farm efficiency.
// Each figure is measured in this run against a baseline of the same run.
#include "tasks.hpp"
#include <ppp2p/ppp2p.hpp>

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Baseline for spawn throughput: request/reply messages of the same size between two
/// processes over a socketpair, one in flight at a time (VT spawns are pipelined, so the ratio
/// shows what batching gains).
double raw_round_trips_per_second(int messages) {
  int fds[2];
  socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
  pid_t child = fork();
  char buffer[64];
  if (child == 0) {
    close(fds[0]);
    while (read(fds[1], buffer, sizeof buffer) > 0)
      (void)!write(fds[1], buffer, 48);
    _exit(0);
  }
  close(fds[1]);
  auto start = Clock::now();
  for (int i = 0; i < messages; ++i) {
    (void)!write(fds[0], buffer, 48);
    (void)!read(fds[0], buffer, sizeof buffer);
  }
  double seconds = seconds_since(start);
  close(fds[0]);
  waitpid(child, nullptr, 0);
  return messages / seconds;
}

} // namespace

int main(int argc, char** argv) {
  int spawns = argc > 1 ? std::atoi(argv[1]) : 20000;
  if (spawns < 100) {
    std::fprintf(stderr, "usage: bench-vc [SPAWNS >= 100]\n");
    return 2;
  }
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  std::printf("virtual computers on the embedded peer (executor processes on this machine, "
              "%u cores)\n\n",
              cores);

  std::printf("1. fixed cost: creating and releasing a virtual computer\n\n");
  std::printf("| workers | create ms | release ms |\n|---------|-----------|------------|\n");
  for (unsigned workers : {1u, 2u, 4u, 8u}) {
    auto start = Clock::now();
    double create, release;
    {
      ppp2p::VirtualComputer vc({.workers = workers});
      create = seconds_since(start) * 1e3;
      start = Clock::now();
    }
    release = seconds_since(start) * 1e3;
    std::printf("| %7u | %9.2f | %10.2f |\n", workers, create, release);
  }

  std::printf("\n2. spawn throughput: %d empty virtual threads, spawned and awaited\n\n", spawns);
  double raw = raw_round_trips_per_second(spawns);
  std::printf("| what                                   | per second | ratio to raw |\n");
  std::printf("|----------------------------------------|------------|--------------|\n");
  std::printf("| raw request/reply over a socketpair    | %10.0f | 1.00         |\n", raw);
  for (unsigned workers : {1u, 2u}) {
    ppp2p::VirtualComputer vc({.workers = workers});
    auto start = Clock::now();
    std::vector<ppp2p::VirtualThread<int>> vts;
    vts.reserve(std::size_t(spawns));
    for (int i = 0; i < spawns; ++i)
      vts.push_back(vc.spawn(empty_task, i));
    long long check = 0;
    for (auto& vt : vts)
      check += vt.get();
    double rate = spawns / seconds_since(start);
    if (check != (long long)spawns * (spawns - 1) / 2)
      return 1;
    std::printf("| VTs, %u worker%s                         | %10.0f | %.2f         |\n", workers,
                workers == 1 ? " " : "s", rate, rate / raw);
  }
  std::printf("\n(Ray publishes ~7.7k tasks/s for one client; goal >= 30k VT/s.)\n");

  std::printf("\n3. task farm: primes in [1, 6000000] in 48 chunks (fixed total work)\n\n");
  std::printf("| workers | seconds | speedup | efficiency |\n");
  std::printf("|---------|---------|---------|------------|\n");
  double t1 = 0;
  for (unsigned workers : {1u, 2u, 4u, 8u}) {
    ppp2p::VirtualComputer vc({.workers = workers});
    auto start = Clock::now();
    std::vector<ppp2p::VirtualThread<long long>> chunks;
    const long long to = 6'000'000, step = to / 48;
    for (long long a = 1; a <= to; a += step)
      chunks.push_back(vc.spawn(count_primes, a, std::min(to, a + step - 1)));
    long long count = 0;
    for (auto& chunk : chunks)
      count += chunk.get();
    double seconds = seconds_since(start);
    if (count != 412849)
      return 1;
    if (workers == 1)
      t1 = seconds;
    std::printf("| %7u | %7.3f | %7.2f | %8.1f %% |\n", workers, seconds, t1 / seconds,
                t1 / seconds / workers * 100);
  }
  std::printf("\nspeedup = T1 / Tn, efficiency = speedup / n (the paper's definitions); beyond "
              "%u workers this machine is oversubscribed.\n",
              cores);
  return 0;
}
