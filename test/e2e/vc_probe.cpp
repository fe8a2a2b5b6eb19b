// vc_probe: drives the agent path of virtual computers from the outside, for the e2e tests and
// benchmarks. As a client it opens a VC through PPP2P_AGENT with the client library's
// open_agent_connection() and ships itself as the module; started by a worker agent as an
// executor (PPP2P_EXECUTOR_FD set) it speaks runtime/vc/executor.fbs with stand-in tasks
// chosen by the Run's `entry` (square, throw, segfault, wait for cancel, report partials,
// ignore cancel), so that every outcome can be provoked exactly. Tests of real task code use
// VirtualComputer programs; this one tests the agents' side on its own.
//
//   vc_probe SCENARIO [N] [--workers N] [--slots N] [--min-speed S] [--enrol-timeout-ms T]
//   scenarios: squares N | throw | segfault | cancel | hang N | wait-then-squares N | empty N
// Output: one line per VT outcome, "vt=<n> kind=<result|failure|partial> ..." and a summary.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "executor_generated.h"
#include "peer_connection.hpp"
#include <ppp2p/errors.hpp>

using namespace ppp2p::detail;
namespace fb = ppp2p::wire::executor;

namespace {

enum Entry : std::uint64_t {
  square = 1,
  throws = 2,
  segfault = 3,
  until_cancelled = 4,
  partials = 5,
  ignore_cancel = 6,
  empty = 7
};

// ---------------------------------------------------------------- stand-in executor

class Executor {
public:
  Executor(int fd, unsigned slots) : fd_(fd), slots_(slots ? slots : 1) {}

  int run() {
    flatbuffers::FlatBufferBuilder fbb(64);
    fbb.Finish(fb::CreateFromExecutor(fbb, fb::Event::Started,
                                      fb::CreateStarted(fbb, ::getpid(), slots_).Union()));
    send(fbb);
    for (unsigned i = 0; i < slots_; ++i)
      threads_.emplace_back([this] { work(); });
    std::vector<std::uint8_t> buf;
    for (;;) {
      std::uint8_t h[4];
      if (!read_all(h, 4))
        break;
      std::uint32_t n = h[0] | h[1] << 8 | h[2] << 16 | static_cast<std::uint32_t>(h[3]) << 24;
      if (n > (64u << 20))
        break;
      buf.resize(n);
      if (!read_all(buf.data(), n))
        break;
      flatbuffers::Verifier v(buf.data(), n);
      if (!v.VerifyBuffer<fb::ToExecutor>(nullptr))
        break;
      const auto* m = flatbuffers::GetRoot<fb::ToExecutor>(buf.data());
      if (!m->command())
        break;
      if (m->command_type() == fb::Command::Shutdown)
        break;
      if (const auto* c = m->command_as_Cancel()) {
        std::lock_guard lock(mu_);
        cancelled_.insert(c->vt());
        cv_.notify_all();
      } else if (const auto* r = m->command_as_Run()) {
        Job j{r->vt(), r->entry(), {}};
        if (r->args())
          j.args.assign(r->args()->begin(), r->args()->end());
        std::lock_guard lock(mu_);
        jobs_.push_back(std::move(j));
        cv_.notify_all();
      }
    }
    std::_Exit(0);
  }

private:
  struct Job {
    std::uint32_t vt;
    std::uint64_t entry;
    std::vector<std::uint8_t> args;
  };

  bool read_all(std::uint8_t* p, std::size_t n) {
    while (n > 0) {
      ssize_t r = ::read(fd_, p, n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return false;
      p += r;
      n -= static_cast<std::size_t>(r);
    }
    return true;
  }

  void send(flatbuffers::FlatBufferBuilder& fbb) {
    std::uint32_t n = fbb.GetSize();
    std::vector<std::uint8_t> out(4 + n);
    for (int i = 0; i < 4; ++i)
      out[i] = static_cast<std::uint8_t>(n >> (8 * i));
    std::memcpy(out.data() + 4, fbb.GetBufferPointer(), n);
    std::lock_guard lock(write_mu_);
    const std::uint8_t* p = out.data();
    std::size_t left = out.size();
    while (left > 0) {
      ssize_t r = ::send(fd_, p, left, MSG_NOSIGNAL);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        std::_Exit(0);
      p += r;
      left -= static_cast<std::size_t>(r);
    }
  }

  void result(std::uint32_t vt, const std::vector<std::uint8_t>& value) {
    flatbuffers::FlatBufferBuilder fbb(64 + value.size());
    auto v = fbb.CreateVector(value);
    fbb.Finish(
        fb::CreateFromExecutor(fbb, fb::Event::Result, fb::CreateResult(fbb, vt, v).Union()));
    send(fbb);
  }

  void failure(std::uint32_t vt, fb::FailureKind kind, const char* type, const std::string& what) {
    flatbuffers::FlatBufferBuilder fbb(128);
    auto f = fb::CreateFailureDirect(fbb, vt, kind, type, what.c_str());
    fbb.Finish(fb::CreateFromExecutor(fbb, fb::Event::Failure, f.Union()));
    send(fbb);
  }

  void partial(std::uint32_t vt, std::uint64_t k) {
    flatbuffers::FlatBufferBuilder fbb(64);
    std::vector<std::uint8_t> value(8);
    std::memcpy(value.data(), &k, 8);
    auto v = fbb.CreateVector(value);
    fbb.Finish(fb::CreateFromExecutor(
        fbb, fb::Event::Partial, fb::CreatePartial(fbb, vt, fbb.CreateString("m"), v).Union()));
    send(fbb);
  }

  void work() {
    for (;;) {
      Job j;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !jobs_.empty(); });
        j = std::move(jobs_.front());
        jobs_.pop_front();
      }
      std::uint64_t x = 0;
      if (j.args.size() >= 8)
        std::memcpy(&x, j.args.data(), 8);
      switch (j.entry) {
      case square: {
        std::uint64_t y = x * x;
        std::vector<std::uint8_t> v(8);
        std::memcpy(v.data(), &y, 8);
        result(j.vt, v);
        break;
      }
      case empty:
        result(j.vt, {});
        break;
      case throws:
        failure(j.vt, fb::FailureKind::exception, "std::runtime_error",
                "boom " + std::to_string(x));
        break;
      case segfault:
        std::raise(SIGSEGV);
        break;
      case until_cancelled: {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return cancelled_.count(j.vt) > 0; });
        lock.unlock();
        failure(j.vt, fb::FailureKind::cancelled, "", "cancelled at a site");
        break;
      }
      case partials:
        for (std::uint64_t k = 1; k <= x; ++k)
          partial(j.vt, k);
        result(j.vt, {});
        break;
      case ignore_cancel:
        for (;;)
          std::this_thread::sleep_for(std::chrono::seconds(60));
      default:
        failure(j.vt, fb::FailureKind::refused, "", "unknown entry");
      }
    }
  }

  int fd_;
  unsigned slots_;
  std::mutex mu_, write_mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  std::set<std::uint32_t> cancelled_;
  std::vector<std::thread> threads_;
};

// ---------------------------------------------------------------- client

const char* kind_name(VtEvent::Kind k) {
  return k == VtEvent::Kind::result    ? "result"
         : k == VtEvent::Kind::failure ? "failure"
                                       : "partial";
}

const char* failure_name(VtEvent::Failure f) {
  static const char* names[] = {"exception", "cancelled", "refused", "crashed", "lost"};
  return names[static_cast<int>(f)];
}

struct Outcomes {
  std::mutex mu;
  std::condition_variable cv;
  std::map<VtNumber, VtEvent> finals;
  std::map<VtNumber, int> partials;

  void on_event(VtEvent&& e) {
    std::lock_guard lock(mu);
    if (e.kind == VtEvent::Kind::partial) {
      ++partials[e.vt];
      return;
    }
    finals[e.vt] = std::move(e);
    cv.notify_all();
  }
  bool wait_for(std::size_t n, std::chrono::seconds limit) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, limit, [&] { return finals.size() >= n; });
  }
};

std::vector<std::byte> u64(std::uint64_t v) {
  std::vector<std::byte> out(8);
  std::memcpy(out.data(), &v, 8);
  return out;
}

std::uint64_t u64_of(const std::vector<std::byte>& v) {
  std::uint64_t x = 0;
  if (v.size() == 8)
    std::memcpy(&x, v.data(), 8);
  return x;
}

void print(const VtEvent& e) {
  std::printf("vt=%u kind=%s", e.vt, kind_name(e.kind));
  if (e.kind == VtEvent::Kind::failure)
    std::printf(" failure=%s type=%s", failure_name(e.failure), e.type.c_str());
  else
    std::printf(" value=%llu", static_cast<unsigned long long>(u64_of(e.value)));
  std::printf(" peer=%s what=%s\n", e.peer.empty() ? "-" : e.peer.c_str(), e.what.c_str());
}

int client(int argc, char** argv) {
  std::vector<std::string> pos;
  VcRequest req;
  req.workers = 1;
  req.slots_per_worker = 1;
  req.enrol_timeout = std::chrono::milliseconds(10000);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--workers")
      req.workers = static_cast<unsigned>(std::stoul(next()));
    else if (a == "--slots")
      req.slots_per_worker = static_cast<unsigned>(std::stoul(next()));
    else if (a == "--min-speed")
      req.min_speed = std::stod(next());
    else if (a == "--enrol-timeout-ms")
      req.enrol_timeout = std::chrono::milliseconds(std::stoul(next()));
    else
      pos.push_back(a);
  }
  if (pos.empty()) {
    std::fprintf(stderr, "usage: vc_probe SCENARIO [N] [--workers N] [--slots N] ...\n");
    return 2;
  }
  const char* agent = std::getenv("PPP2P_AGENT");
  if (!agent) {
    std::fprintf(stderr, "vc_probe: set PPP2P_AGENT to an agent's data dir\n");
    return 2;
  }
  std::string scenario = pos[0];
  std::uint64_t n = pos.size() > 1 ? std::stoull(pos[1]) : 1;
  req.module_path = "/proc/self/exe";
  Outcomes out;
  auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<PeerConnection> vc;
  try {
    vc = open_agent_connection(agent, req, [&](VtEvent&& e) { out.on_event(std::move(e)); });
  } catch (const ppp2p::error& e) {
    std::printf("error code=%s what=%s\n", ppp2p::error_name(e.code()), e.what());
    return 3;
  }
  auto t1 = std::chrono::steady_clock::now();
  std::printf("created workers=%u ms=%.1f\n", vc->workers(),
              std::chrono::duration<double, std::milli>(t1 - t0).count());
  std::fflush(stdout);
  auto spawn = [&](VtNumber vt, Entry e, std::uint64_t arg) {
    vc->spawn(SpawnRequest{vt, e, 0, u64(arg)});
  };
  std::size_t expected = 0;
  if (scenario == "squares" || scenario == "wait-then-squares" || scenario == "empty") {
    if (scenario == "wait-then-squares") {
      std::string line;
      std::getline(std::cin, line); // the test says when
      std::printf("workers=%u\n", vc->workers());
    }
    auto s0 = std::chrono::steady_clock::now();
    for (VtNumber vt = 0; vt < n; ++vt)
      spawn(vt, scenario == "empty" ? empty : square, vt);
    expected = n;
    if (!out.wait_for(expected, std::chrono::seconds(120))) {
      std::printf("timeout\n");
      return 4;
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - s0).count();
    std::map<std::string, int> per_peer;
    std::size_t good = 0;
    for (auto& [vt, e] : out.finals) {
      ++per_peer[e.peer];
      bool ok = e.kind == VtEvent::Kind::result &&
                (scenario == "empty" || u64_of(e.value) == std::uint64_t{vt} * vt);
      good += ok;
      if (!ok)
        print(e);
    }
    for (auto& [peer, count] : per_peer)
      std::printf("peer=%s vts=%d\n", peer.c_str(), count);
    std::printf("done ok=%zu of=%zu seconds=%.3f rate=%.0f\n", good, expected, secs,
                static_cast<double>(expected) / secs);
    return good == expected ? 0 : 1;
  }
  if (scenario == "throw") {
    spawn(0, throws, 7);
    expected = 1;
  } else if (scenario == "segfault") {
    spawn(0, segfault, 0);
    out.wait_for(1, std::chrono::seconds(60));
    spawn(1, square, 9);
    expected = 2;
  } else if (scenario == "cancel") {
    spawn(0, until_cancelled, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    vc->cancel(0);
    expected = 1;
  } else if (scenario == "partials") {
    spawn(0, partials, n);
    expected = 1;
  } else if (scenario == "hang") {
    for (VtNumber vt = 0; vt < n; ++vt)
      spawn(vt, ignore_cancel, 0);
    std::printf("spawned %llu\n", static_cast<unsigned long long>(n));
    std::fflush(stdout);
    for (;;) // until the test kills us
      std::this_thread::sleep_for(std::chrono::seconds(60));
  } else {
    std::fprintf(stderr, "vc_probe: unknown scenario %s\n", scenario.c_str());
    return 2;
  }
  if (!out.wait_for(expected, std::chrono::seconds(60))) {
    std::printf("timeout\n");
    return 4;
  }
  for (auto& [vt, e] : out.finals)
    print(e);
  for (auto& [vt, k] : out.partials)
    std::printf("vt=%u partials=%d\n", vt, k);
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  if (const char* fd = std::getenv("PPP2P_EXECUTOR_FD")) {
    const char* slots = std::getenv("PPP2P_EXECUTOR_SLOTS");
    Executor e(std::atoi(fd), slots ? static_cast<unsigned>(std::atoi(slots)) : 1);
    return e.run();
  }
  return client(argc, argv);
}
