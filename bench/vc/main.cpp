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
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

using Clock = std::chrono::steady_clock;

[[ppp2p::checkpointable]] int wait_for_client(int id) {
  ppp2p::send(ppp2p::client, id);
  return ppp2p::receive<int>(ppp2p::client) + id;
}

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

/// Resident memory of this process's children (the executors), in KiB.
long children_rss_kib() {
  long total = 0;
  pid_t self = getpid();
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos)
      continue;
    std::ifstream status(entry.path() / "status");
    std::string line;
    long ppid = -1, rss = 0;
    while (std::getline(status, line)) {
      if (line.rfind("PPid:", 0) == 0)
        ppid = std::atol(line.c_str() + 5);
      else if (line.rfind("VmRSS:", 0) == 0)
        rss = std::atol(line.c_str() + 6);
    }
    if (ppid == self)
      total += rss;
  }
  return total;
}

/// Blocked VTs: `n` VTs on one worker of one slot each tell the client they started and block
/// in receive; the client answers them all once every one has started.
bool blocked_vts(int n) {
  ppp2p::VirtualComputer vc({.workers = 1, .slots_per_worker = 1});
  long idle_rss = children_rss_kib();
  auto start = Clock::now();
  std::vector<ppp2p::VirtualThread<int>> vts;
  vts.reserve(std::size_t(n));
  for (int i = 0; i < n; ++i)
    vts.push_back(vc.spawn(wait_for_client, i));
  for (int i = 0; i < n; ++i)
    (void)vc.receive<int>();
  double started = seconds_since(start);
  long blocked_rss = children_rss_kib();
  for (auto& vt : vts)
    vc.send(vt.id(), 1);
  long long check = 0;
  for (auto& vt : vts)
    check += vt.get();
  double finished = seconds_since(start);
  std::printf("| %6d | %10.2f | %11.2f | %18.1f | %14.1f | %18.1f |\n", n, started, finished,
              double(idle_rss) / 1024, double(blocked_rss) / 1024,
              double(blocked_rss - idle_rss) / n);
  return check == (long long)n * (n - 1) / 2 + n;
}

} // namespace

int main(int argc, char** argv) {
  int spawns = argc > 1 ? std::atoi(argv[1]) : 20000;
  int blocked = argc > 2 ? std::atoi(argv[2]) : 10000;
  if (spawns < 100 || blocked < 1) {
    std::fprintf(stderr, "usage: bench-vc [SPAWNS >= 100] [BLOCKED VTS >= 1]\n");
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

  std::printf("\n4. blocked virtual threads: N VTs on one worker of one slot start, tell the "
              "client, and block in receive until it answers them all\n\n");
  std::printf("| N      | started, s | finished, s | executor idle, MiB | N blocked, MiB | "
              "KiB per blocked VT |\n");
  std::printf("|--------|------------|-------------|--------------------|----------------|"
              "--------------------|\n");
  for (int n : {blocked / 10, blocked})
    if (n > 0 && !blocked_vts(n))
      return 1;
  std::printf("\n(the executor lends a blocked VT's slot; each blocked VT keeps its thread)\n");
  return 0;
}
