// vc_probe: a ppp2p program (built with the plugin) that drives virtual computers for the e2e
// tests and the benchmarks, with tasks that provoke every outcome on purpose: results,
// exceptions, a segfault, cancellation at a site, a task that ignores cancellation, partial
// results, empty tasks. With PPP2P_AGENT set it runs through the agents; otherwise on the
// embedded peer.
//
//   vc_probe SCENARIO [N] [--workers N] [--slots N] [--min-speed S] [--enrol-timeout-ms T]
//   scenarios: squares N | throw | segfault | cancel | partials N | hang N |
//              wait-then-squares N (waits for a line on stdin first) | empty N |
//              ring N ROUNDS (a ring of N VTs passing tokens, a global sum updated every
//              round, each round pausing --pause-us; checked against a sequential run)
//   options also: --checkpoint-ms T (the VC's checkpoint_interval)
// Output: "created workers=W ms=T", one line per VT outcome
// ("vt=N kind=result value=V peer=P what=" or "vt=N kind=failure failure=CODE type=T peer=P
// what=W"), and for the farms "peer=P vts=K" lines and "done ok=K of=N seconds=S rate=R".
#include "deliberate_crashes.hpp"
#include <ppp2p/ppp2p.hpp>

#include "ring_reference.hpp"

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

[[ppp2p::checkpointable]] std::uint64_t square(std::uint64_t x) {
  return x * x;
}

[[ppp2p::checkpointable]] void empty_task() {}

[[ppp2p::checkpointable]] std::uint64_t throwing(std::uint64_t x) {
  if (x > 0)
    throw std::runtime_error("boom " + std::to_string(x));
  return 0;
}

[[ppp2p::checkpointable]] std::uint64_t segfault(std::uint64_t x) {
  if (x > 0)
    std::raise(SIGSEGV);
  return x;
}

[[ppp2p::checkpointable]] std::uint64_t until_cancelled(std::uint64_t x) {
  for (std::uint64_t i = 0; i < x; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ppp2p::checkpoint(); // cancellation stops it here
  }
  return x;
}

// No site: a cancel cannot reach it; only stopping its executor ends it.
[[ppp2p::checkpointable]] std::uint64_t ignoring_cancel(std::uint64_t x) {
  for (;;)
    std::this_thread::sleep_for(std::chrono::seconds(x));
}

[[ppp2p::checkpointable]] std::uint64_t partials(std::uint64_t n) {
  for (std::uint64_t k = 1; k <= n; ++k)
    ppp2p::report(k);
  return n;
}

// What a ring member returns: its value, and the round at which it last resumed from a
// checkpoint (-1: never).
struct RingResult {
  long acc = 0;
  int resumed_at = -1;
};

// A ring: each round, VT k passes its value to k+1 (mod n), folds in what it got from k-1,
// and adds the result to the global sum.
[[ppp2p::checkpointable]] RingResult ring_member(unsigned n, int rounds, int pause_us) {
  unsigned me = ppp2p::self();
  long acc = me;
  int resumed_at = -1;
  auto sum = ppp2p::global<long>("sum");
  for (int r = 0; r < rounds; ++r) {
    ppp2p::send((me + 1) % n, acc);
    long left = ppp2p::receive<long>((me + n - 1) % n);
    acc = ppp2p::test::ring_step(acc, left);
    long mine = acc;
    sum.update([&](long& s) { s += mine; });
    if (pause_us > 0)
      std::this_thread::sleep_for(std::chrono::microseconds(pause_us));
    if (ppp2p::checkpoint()) // true on the first return after a resume
      resumed_at = r;
  }
  return {acc, resumed_at};
}

namespace {

struct Outcome {
  bool ok = false;
  std::uint64_t value = 0;
  std::string failure, type, what, peer;
};

const char* code_name(ppp2p::errc c) {
  return ppp2p::error_name(c);
}

template <class R> Outcome outcome(ppp2p::VirtualThread<R>& vt) {
  Outcome o;
  try {
    if constexpr (std::is_void_v<R>)
      vt.get();
    else
      o.value = vt.get();
    o.ok = true;
  } catch (const ppp2p::remote_error& e) {
    o.failure = code_name(e.code());
    o.type = e.type_name();
    o.what = e.remote_what();
    o.peer = e.peer();
  }
  return o;
}

void print(unsigned vt, const Outcome& o) {
  if (o.ok)
    std::printf("vt=%u kind=result value=%llu peer=- what=\n", vt,
                static_cast<unsigned long long>(o.value));
  else
    std::printf("vt=%u kind=failure failure=%s type=%s peer=%s what=%s\n", vt, o.failure.c_str(),
                o.type.empty() ? "-" : o.type.c_str(), o.peer.empty() ? "-" : o.peer.c_str(),
                o.what.c_str());
  std::fflush(stdout);
}

int run_ring(ppp2p::VirtualComputer& vc, unsigned n, int rounds, int pause_us) {
  vc.global<long>("sum").write(0);
  std::vector<ppp2p::VirtualThread<RingResult>> vts;
  for (unsigned k = 0; k < n; ++k)
    vts.push_back(vc.spawn(ring_member, n, rounds, pause_us));
  std::printf("ring spawned %u\n", n);
  std::fflush(stdout);
  auto [acc, sum] = ppp2p::test::ring_reference(n, rounds);
  bool results = true;
  std::string resumes, resumed_at;
  for (unsigned k = 0; k < n; ++k) {
    try {
      RingResult r = vts[k].get();
      results &= r.acc == acc[k];
      resumed_at += (k ? "," : "") + std::to_string(r.resumed_at);
    } catch (const ppp2p::error& e) {
      results = false;
      std::printf("vt=%u kind=failure what=%s\n", k, e.what());
    }
    resumes += (k ? "," : "") + std::to_string(vts[k].resumes());
  }
  long global = vc.global<long>("sum").read();
  std::printf("ring results_match=%d sum_match=%d sum=%ld expected=%ld resumes=%s "
              "resumed_at=%s\n",
              results, global == sum, global, sum, resumes.c_str(), resumed_at.c_str());
  return results && global == sum ? 0 : 1;
}

int run(const std::vector<std::string>& pos, ppp2p::VirtualComputer::Options options,
        int pause_us) {
  std::string scenario = pos[0];
  std::uint64_t n = pos.size() > 1 ? std::stoull(pos[1]) : 1;
  auto t0 = std::chrono::steady_clock::now();
  ppp2p::VirtualComputer vc(options);
  std::printf(
      "created workers=%u ms=%.1f\n", vc.workers(),
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  std::fflush(stdout);

  if (scenario == "ring")
    return run_ring(vc, unsigned(n), pos.size() > 2 ? std::stoi(pos[2]) : 100, pause_us);
  if (scenario == "squares" || scenario == "wait-then-squares") {
    if (scenario == "wait-then-squares") {
      std::string line;
      std::getline(std::cin, line); // the test says when
      std::printf("workers=%u\n", vc.workers());
    }
    auto s0 = std::chrono::steady_clock::now();
    std::vector<ppp2p::VirtualThread<std::uint64_t>> vts;
    for (std::uint64_t i = 0; i < n; ++i)
      vts.push_back(vc.spawn(square, i));
    std::size_t good = 0;
    for (std::uint64_t i = 0; i < n; ++i) {
      Outcome o = outcome(vts[i]);
      if (o.ok && o.value == i * i)
        ++good;
      else
        print(static_cast<unsigned>(i), o);
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
    std::printf("done ok=%zu of=%llu seconds=%.3f rate=%.0f\n", good,
                static_cast<unsigned long long>(n), secs, static_cast<double>(n) / secs);
    return good == n ? 0 : 1;
  }
  if (scenario == "empty") {
    auto s0 = std::chrono::steady_clock::now();
    std::vector<ppp2p::VirtualThread<void>> vts;
    vts.reserve(n);
    for (std::uint64_t i = 0; i < n; ++i)
      vts.push_back(vc.spawn(empty_task));
    std::size_t good = 0;
    for (auto& vt : vts)
      good += outcome(vt).ok;
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
    std::printf("done ok=%zu of=%llu seconds=%.3f rate=%.0f\n", good,
                static_cast<unsigned long long>(n), secs, static_cast<double>(n) / secs);
    return good == n ? 0 : 1;
  }
  if (scenario == "throw") {
    auto vt = vc.spawn(throwing, std::uint64_t{7});
    print(0, outcome(vt));
  } else if (scenario == "segfault") {
    auto crash = vc.spawn(segfault, std::uint64_t{1});
    print(0, outcome(crash));
    auto next = vc.spawn(square, std::uint64_t{9});
    print(1, outcome(next));
  } else if (scenario == "cancel") {
    auto vt = vc.spawn(until_cancelled, std::uint64_t{100000});
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    vt.cancel();
    print(0, outcome(vt));
  } else if (scenario == "partials") {
    auto vt = vc.spawn(partials, n);
    std::uint64_t seen = 0, in_order = 1;
    vt.on_partial<std::uint64_t>([&](std::uint64_t k) {
      in_order &= k == seen + 1;
      seen = k;
    });
    print(0, outcome(vt));
    std::printf("partials=%llu in_order=%llu\n", static_cast<unsigned long long>(seen),
                static_cast<unsigned long long>(in_order));
  } else if (scenario == "hang") {
    std::vector<ppp2p::VirtualThread<std::uint64_t>> vts;
    for (std::uint64_t i = 0; i < n; ++i)
      vts.push_back(vc.spawn(ignoring_cancel, std::uint64_t{60}));
    std::printf("spawned %llu\n", static_cast<unsigned long long>(n));
    std::fflush(stdout);
    for (;;) // until the test kills us
      std::this_thread::sleep_for(std::chrono::seconds(60));
  } else {
    std::fprintf(stderr, "vc_probe: unknown scenario %s\n", scenario.c_str());
    return 2;
  }
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::vector<std::string> pos;
  ppp2p::VirtualComputer::Options options;
  options.workers = 1;
  int pause_us = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : "0"; };
    if (a == "--workers")
      options.workers = static_cast<unsigned>(std::stoul(next()));
    else if (a == "--slots")
      options.slots_per_worker = static_cast<unsigned>(std::stoul(next()));
    else if (a == "--min-speed")
      options.min_speed = std::stod(next());
    else if (a == "--enrol-timeout-ms")
      options.enrol_timeout = std::chrono::milliseconds(std::stoul(next()));
    else if (a == "--checkpoint-ms")
      options.checkpoint_interval = std::chrono::milliseconds(std::stoul(next()));
    else if (a == "--pause-us")
      pause_us = std::stoi(next());
    else
      pos.push_back(a);
  }
  if (pos.empty()) {
    std::fprintf(stderr, "usage: vc_probe SCENARIO [N] [--workers N] [--slots N] ...\n");
    return 2;
  }
  try {
    return run(pos, options, pause_us);
  } catch (const ppp2p::error& e) {
    std::printf("error code=%s what=%s\n", ppp2p::error_name(e.code()), e.what());
    return 3;
  }
}
