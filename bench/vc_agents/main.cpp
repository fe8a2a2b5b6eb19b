// Virtual computers through agents (PPP2P_AGENT): fixed costs (VC creation, module hashing,
// module shipping, release), spawn throughput of empty VTs, a fixed-size task farm, and the
// latency of messages and global updates between VTs on different agents and the throughput of
// 64-byte messages between two VTs, each against the embedded peer (and, for latency and
// throughput, the raw agent link's round trip and 64-byte frame rate, from bench_link_rtt and
// bench_link_throughput) measured in the same run. Starts its own agents on loopback.
//
//   bench-vc-agents [--runtime PATH] [--spawns N] [--rounds N] [--messages N] [--workers N]
//                   [--fixed-only]
// (--workers: the largest task farm, default 4; above 4 the farm's work grows with it)
// bench-vc-agents-32m is the same program carrying 32 MiB of data, to time module shipping.
#include "cluster.hpp"
#include "tasks.hpp"

#include <ppp2p/ppp2p.hpp>

#include <csignal>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Round-trip times in microseconds: the median and the 99th percentile.
struct Latency {
  double p50 = 0;
  double p99 = 0;
};

Latency summarize(std::vector<double> us) {
  if (us.empty())
    return {};
  std::sort(us.begin(), us.end());
  return {us[us.size() / 2], us[std::min(us.size() - 1, us.size() * 99 / 100)]};
}

double us_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

// VT 0 of a pair: sends i to VT 1 and waits for it back, `rounds` times (the first tenth is
// warm-up, not counted).
[[ppp2p::checkpointable]] Latency ping(int rounds) {
  std::vector<double> us;
  us.reserve(std::size_t(rounds));
  for (int i = 0; i < rounds; ++i) {
    auto start = Clock::now();
    ppp2p::send(1u, i);
    if (ppp2p::receive<int>(1u) != i)
      throw std::runtime_error("a reply out of order");
    if (i >= rounds / 10)
      us.push_back(us_since(start));
  }
  return summarize(std::move(us));
}

[[ppp2p::checkpointable]] int pong(int rounds) {
  for (int i = 0; i < rounds; ++i)
    ppp2p::send(0u, ppp2p::receive<int>(0u));
  return rounds;
}

// `rounds` global updates, each a round trip to the global's owner and a commit.
[[ppp2p::checkpointable]] Latency update_rounds(int rounds) {
  auto counter = ppp2p::global<long>("bench.counter");
  std::vector<double> us;
  us.reserve(std::size_t(rounds));
  for (int i = 0; i < rounds; ++i) {
    auto start = Clock::now();
    counter.update([](long& v) { v += 1; });
    if (i >= rounds / 10)
      us.push_back(us_since(start));
    ppp2p::checkpoint();
  }
  return summarize(std::move(us));
}

// A 64-byte message: a sequence number and 56 bytes of payload.
struct Packet {
  std::uint64_t sequence = 0;
  std::array<char, 56> payload{};
};
static_assert(sizeof(Packet) == 64);

// VT 0 of a stream: sends `count` packets to VT 1 as fast as the send window lets it, then
// waits for VT 1's count; returns the seconds from the first send to that reply.
[[ppp2p::checkpointable]] double stream_out(int count) {
  Packet packet;
  packet.payload.fill('x');
  auto start = Clock::now();
  for (int i = 0; i < count; ++i) {
    packet.sequence = std::uint64_t(i);
    ppp2p::send(1u, packet);
  }
  if (ppp2p::receive<int>(1u) != count)
    throw std::runtime_error("the receiver counted another number of packets");
  return std::chrono::duration<double>(Clock::now() - start).count();
}

[[ppp2p::checkpointable]] int stream_in(int count) {
  for (int i = 0; i < count; ++i)
    if (ppp2p::receive<Packet>(0u).sequence != std::uint64_t(i))
      throw std::runtime_error("a packet out of order");
  ppp2p::send(0u, count);
  return count;
}

#ifdef PPP2P_BENCH_BALLAST_MIB
// Makes the executable, and so the module, PPP2P_BENCH_BALLAST_MIB MiB larger.
[[gnu::used]] static const unsigned char ballast[PPP2P_BENCH_BALLAST_MIB << 20] = {1};
#endif

namespace {

using bench::capture;
using bench::Cluster;
using bench::fail;
using bench::use_agent;

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

double create_ms(unsigned workers, unsigned slots = 1) {
  auto start = Clock::now();
  ppp2p::VirtualComputer vc({.workers = workers, .slots_per_worker = slots});
  double ms = ms_since(start);
  if (vc.workers() != workers)
    fail("expected " + std::to_string(workers) + " workers, got " + std::to_string(vc.workers()));
  return ms;
}

double spawn_rate(unsigned workers, unsigned slots, int spawns) {
  ppp2p::VirtualComputer vc({.workers = workers, .slots_per_worker = slots});
  auto start = Clock::now();
  std::vector<ppp2p::VirtualThread<int>> vts;
  vts.reserve(std::size_t(spawns));
  for (int i = 0; i < spawns; ++i)
    vts.push_back(vc.spawn(empty_task, i));
  long long check = 0;
  for (auto& vt : vts)
    check += vt.get();
  double seconds = ms_since(start) / 1e3;
  if (check != (long long)spawns * (spawns - 1) / 2)
    fail("wrong results");
  return spawns / seconds;
}

/// The task farm's fixed total work: primes in [1, to] in `chunks` chunks.
struct Farm {
  long long to = 3'000'000;
  long long chunks = 24;
  long long primes = 216816; // in [1, to]; for other bounds, the embedded run's count
};

double farm_seconds(unsigned workers, Farm& farm, unsigned* enrolled = nullptr) {
  ppp2p::VirtualComputer vc({.workers = workers});
  if (enrolled)
    *enrolled = vc.workers(); // fewer than asked: created at the enrolment timeout
  auto start = Clock::now();
  std::vector<ppp2p::VirtualThread<long long>> chunks;
  const long long step = (farm.to + farm.chunks - 1) / farm.chunks;
  for (long long a = 1; a <= farm.to; a += step)
    chunks.push_back(vc.spawn(count_primes, a, std::min(farm.to, a + step - 1)));
  long long count = 0;
  for (auto& chunk : chunks)
    count += chunk.get();
  if (farm.primes < 0)
    farm.primes = count;
  else if (count != farm.primes)
    fail("wrong prime count " + std::to_string(count) + ", expected " +
         std::to_string(farm.primes));
  return ms_since(start) / 1e3;
}

// Message round trip between two VTs on two workers, and a global update's round trip.
std::pair<Latency, Latency> exchange_latency(int rounds) {
  ppp2p::VirtualComputer vc({.workers = 2, .slots_per_worker = 1});
  auto a = vc.spawn(ping, rounds);
  auto b = vc.spawn(pong, rounds);
  Latency messages = a.get();
  b.get();
  Latency updates = vc.spawn(update_rounds, rounds).get();
  if (vc.global<long>("bench.counter").read() != rounds)
    fail("the global counter lost updates");
  return {messages, updates};
}

// 64-byte messages per second from one VT to another on two workers.
double stream_rate(int count) {
  ppp2p::VirtualComputer vc({.workers = 2, .slots_per_worker = 1});
  auto out = vc.spawn(stream_out, count);
  auto in = vc.spawn(stream_in, count);
  double seconds = out.get();
  if (in.get() != count)
    fail("the receiving VT counted another number of packets");
  return count / seconds;
}

// The raw agent link's rate of 64-byte frames: bench_link_throughput's AES-256-GCM row for
// 64 B (MB/s of payload, so frames/s = MB/s / 64), if found.
std::optional<double> link_frame_rate(const fs::path& bin_dir) {
  fs::path tool = bin_dir / "bench_link_throughput";
  if (::access(tool.c_str(), X_OK) != 0)
    return std::nullopt;
  std::istringstream out(capture(tool.string() + " 64 2>/dev/null"));
  for (std::string line; std::getline(out, line);) {
    if (line.rfind("| 64 B |", 0) != 0 || line.find("AES") == std::string::npos)
      continue;
    std::vector<std::string> cells;
    std::istringstream row(line);
    for (std::string cell; std::getline(row, cell, '|');)
      cells.push_back(cell);
    // "", size, raw per message, raw 256 KiB, cipher, link MB/s, ...
    if (cells.size() > 5)
      return std::atof(cells[5].c_str()) * 1e6 / 64;
  }
  return std::nullopt;
}

// The raw agent round trip: bench_link_rtt's AES-256-GCM link row (p50, p99 in µs), if found.
std::optional<Latency> link_round_trip(const fs::path& bin_dir) {
  fs::path tool = bin_dir / "bench_link_rtt";
  if (::access(tool.c_str(), X_OK) != 0)
    return std::nullopt;
  std::istringstream out(capture(tool.string() + " 20000 2>/dev/null"));
  for (std::string line; std::getline(out, line);) {
    if (line.find("ppp2p link") == std::string::npos || line.find("AES") == std::string::npos)
      continue;
    Latency l;
    std::size_t bar = line.find('|', 2);
    if (bar != std::string::npos &&
        std::sscanf(line.c_str() + bar, "| %lf | %lf |", &l.p50, &l.p99) == 2)
      return l;
  }
  return std::nullopt;
}

} // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0); // tables survive a run cut short
  std::string runtime = bench::default_runtime();
  int spawns = 20000;
  int rounds = 5000;
  int messages = 100000;
  unsigned most_workers = 4;
  bool fixed_only = false;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--runtime" && i + 1 < argc)
      runtime = argv[++i];
    else if (a == "--spawns" && i + 1 < argc)
      spawns = std::max(100, std::atoi(argv[++i]));
    else if (a == "--rounds" && i + 1 < argc)
      rounds = std::max(100, std::atoi(argv[++i]));
    else if (a == "--messages" && i + 1 < argc)
      messages = std::max(1000, std::atoi(argv[++i]));
    else if (a == "--workers" && i + 1 < argc)
      most_workers = unsigned(std::clamp(std::atoi(argv[++i]), 2, 64));
    else if (a == "--fixed-only")
      fixed_only = true;
    else
      fail("usage: bench-vc-agents [--runtime PATH] [--spawns N] [--rounds N] [--messages N] "
           "[--workers N] [--fixed-only]");
  }
  if (::access(runtime.c_str(), X_OK) != 0)
    fail("no ppp2p-runtime at " + runtime + " (use --runtime)");
  unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  auto module_bytes = fs::file_size("/proc/self/exe");
  std::printf("virtual computers through agents on loopback (%u cores); module: this program, "
              "%.1f MiB\n\n",
              cores, module_bytes / 1048576.0);
  fs::path root = fs::path("/tmp") / ("ppp2p-bench-" + std::to_string(::getpid()));

  std::printf("1. fixed costs (the client's agent has no slots; workers are other agents)\n\n");
  std::printf("| what                                                        |      ms |\n");
  std::printf("|-------------------------------------------------------------|---------|\n");
  use_agent("");
  create_ms(1); // warm the page cache for the module
  double embedded = create_ms(1);
  std::printf("| baseline: embedded peer, 1 worker                           | %7.2f |\n",
              embedded);
  double cold, shipped, warm, warm3, release;
  {
    Cluster c(runtime, root);
    std::string home = c.add("home", 0);
    c.add("w0", 1);
    c.converge(home);
    use_agent(home);
    cold = create_ms(1);                  // home hashes and caches the module, w0 fetches it
    std::string w1 = c.add("w1", 1, 200); // faster: the next VC enrols it
    c.converge(home);
    shipped = create_ms(1); // home knows the module; w1 fetches it
    warm = create_ms(1);    // w1 has it
    c.add("w2", 1);
    c.converge(home);
    create_ms(3);
    warm3 = create_ms(3);
    auto vc =
        std::make_unique<ppp2p::VirtualComputer>(ppp2p::VirtualComputer::Options{.workers = 3});
    auto start = Clock::now();
    vc.reset();
    release = ms_since(start);
  }
  std::printf("| VC, 1 worker, module new everywhere (hash + ship + start)   | %7.2f |\n", cold);
  std::printf("| VC, 1 worker, module new to the worker (ship + start)       | %7.2f |\n", shipped);
  std::printf("| VC, 1 worker, module cached (enrol + start an executor)     | %7.2f |\n", warm);
  std::printf("| VC, 3 workers, module cached                                | %7.2f |\n", warm3);
  std::printf("| release a VC of 3 workers (client side)                     | %7.2f |\n", release);
  std::printf("\nmodule hashing and caching at the client's agent: %.2f ms; module shipping to "
              "a worker: %.2f ms (%.0f MiB/s)\n",
              cold - shipped, shipped - warm,
              module_bytes / 1048576.0 / std::max(1e-3, (shipped - warm) / 1e3));

  if (fixed_only)
    return 0;
  std::printf("\n2. spawn throughput: %d empty virtual threads, spawned and awaited\n\n", spawns);
  std::printf("| where                              | per second | ratio to embedded |\n");
  std::printf("|------------------------------------|------------|-------------------|\n");
  use_agent("");
  double base = spawn_rate(1, 1, spawns);
  std::printf("| embedded peer, 1 worker, 1 slot    | %10.0f | 1.00              |\n", base);
  {
    Cluster c(runtime, root);
    unsigned spread = std::max(2u, most_workers / 2);
    std::string home = c.add_home_and_workers(spread, 4);
    use_agent(home);
    create_ms(spread, 4); // ships the module
    std::vector<std::pair<unsigned, unsigned>> setups = {{1, 1}, {1, 4}, {2, 1}, {2, 4}};
    if (spread > 2)
      setups.insert(setups.end(), {{spread, 1}, {spread, 4}});
    for (auto [workers, slots] : setups) {
      double rate = spawn_rate(workers, slots, spawns);
      std::printf("| agents, %2u worker%s, %u slot%s        | %10.0f | %.2f              |\n",
                  workers, workers == 1 ? " " : "s", slots, slots == 1 ? " " : "s", rate,
                  rate / base);
    }
  }
  std::printf("\n(Ray publishes ~7.7k tasks/s for one client; goal >= 30k VT/s.)\n");

  // More workers get proportionally more work, so that the largest farm still runs long enough
  // to measure; the expected count then comes from the embedded run.
  Farm farm;
  if (most_workers > 4) {
    farm.to = 3'000'000LL * most_workers / 4;
    farm.chunks = 6LL * most_workers;
    farm.primes = -1;
  }
  std::printf("\n3. task farm: primes in [1, %lld] in %lld chunks (fixed total work)\n\n", farm.to,
              farm.chunks);
  std::printf("| where                  | workers | enrolled | seconds | speedup | efficiency |\n");
  std::printf("|------------------------|---------|----------|---------|---------|------------|\n");
  use_agent("");
  double t1 = farm_seconds(1, farm);
  std::printf("| embedded peer          |       1 |        1 | %7.3f |    1.00 |    100.0 %% |\n",
              t1);
  {
    Cluster c(runtime, root);
    std::string home = c.add_home_and_workers(most_workers, 1);
    use_agent(home);
    create_ms(most_workers); // ships the module
    std::vector<unsigned> sizes;
    for (unsigned workers = 1; workers < most_workers; workers *= 2)
      sizes.push_back(workers);
    sizes.push_back(most_workers);
    for (unsigned workers : sizes) {
      unsigned enrolled = 0;
      double t = farm_seconds(workers, farm, &enrolled);
      std::printf("| agents (1 slot each)   | %7u | %8u | %7.3f | %7.2f | %8.1f %% |\n", workers,
                  enrolled, t, t1 / t, t1 / t / workers * 100);
    }
  }
  std::printf("\nspeedup = T1 / Tn against the embedded peer's single worker, efficiency = "
              "speedup / n; enrolled: workers the VC had when it was created (fewer: created at "
              "the enrolment timeout); beyond %u workers this machine is oversubscribed.\n",
              cores);

  std::printf("\n4. latency: %d round trips each (the first tenth not counted), microseconds\n\n",
              rounds);
  auto link = link_round_trip(fs::path(runtime).parent_path());
  std::printf("| path                                                   |   p50 |   p99 | "
              "p50 / link | p99 / link |\n");
  std::printf("|--------------------------------------------------------|-------|-------|-"
              "-----------|------------|\n");
  auto row = [&](const char* what, Latency l) {
    if (link)
      std::printf("| %-54s | %5.1f | %5.1f | %10.2f | %10.2f |\n", what, l.p50, l.p99,
                  l.p50 / link->p50, l.p99 / link->p99);
    else
      std::printf("| %-54s | %5.1f | %5.1f |          - |          - |\n", what, l.p50, l.p99);
  };
  if (link)
    row("raw agent link round trip (bench_link_rtt, AES-GCM)", *link);
  use_agent("");
  auto [embedded_messages, embedded_updates] = exchange_latency(rounds);
  row("message VT -> VT -> VT, embedded peer", embedded_messages);
  row("global update, embedded peer", embedded_updates);
  {
    Cluster c(runtime, root);
    std::string home = c.add_home_and_workers(2, 1);
    use_agent(home);
    auto [messages, updates] = exchange_latency(rounds);
    row("message VT -> VT -> VT, two worker agents", messages);
    row("global update, worker agent", updates);
  }
  std::printf("\nA message travels executor -> its agent -> the client's agent -> the client "
              "(which owns the VC's messages and globals) and back out the same way: a message "
              "round trip between two VTs is 4 agent hops and 2 client passes each way.\n");

  std::printf("\n5. throughput: %d messages of 64 bytes from one VT to another on two "
              "workers\n\n",
              messages);
  auto frames = link_frame_rate(fs::path(runtime).parent_path());
  std::printf("| path                                                   | per second | "
              "ratio to link |\n");
  std::printf("|--------------------------------------------------------|------------|-"
              "--------------|\n");
  auto rate_row = [&](const char* what, double rate) {
    if (frames)
      std::printf("| %-54s | %10.0f | %13.2f |\n", what, rate, rate / *frames);
    else
      std::printf("| %-54s | %10.0f |             - |\n", what, rate);
  };
  if (frames)
    rate_row("raw agent link, 64-byte frames (bench_link_throughput)", *frames);
  use_agent("");
  rate_row("VT -> VT, embedded peer", stream_rate(messages));
  {
    Cluster c(runtime, root);
    std::string home = c.add_home_and_workers(2, 1);
    use_agent(home);
    rate_row("VT -> VT, two worker agents", stream_rate(messages));
  }
  std::printf("\nThe sender's executor sends as long as it has less than 1 MiB unacknowledged; "
              "every message passes the client, which acknowledges it.\n");
  return 0;
}
