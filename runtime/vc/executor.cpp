#include "executor.hpp"

#include "executor_generated.h"
#include "frame_socket.hpp"
#include "peer_connection.hpp"
#include "vt_context.hpp"
#include "vt_exchange.hpp"

#include "../demangle.hpp"
#include "../function_registry.hpp"

#include <ppp2p/detail/capture_session.hpp>
#include <ppp2p/detail/vt_entry.hpp>

#include <cstdio>
#include <cxxabi.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>
#include <thread>
#include <typeinfo>
#include <vector>

namespace ppp2p::detail {
namespace {

namespace wire = ppp2p::wire::executor;

std::span<const std::byte> bytes_of(flatbuffers::FlatBufferBuilder& builder) {
  return {reinterpret_cast<const std::byte*>(builder.GetBufferPointer()), builder.GetSize()};
}

std::vector<std::byte> copy(const flatbuffers::Vector<std::uint8_t>* bytes) {
  if (!bytes)
    return {};
  const auto* data = reinterpret_cast<const std::byte*>(bytes->data());
  return std::vector<std::byte>(data, data + bytes->size());
}

struct Job {
  VtNumber vt = 0;
  std::uint64_t entry = 0;
  std::uint64_t function = 0;
  std::vector<std::byte> args;
  std::optional<std::vector<std::byte>> snapshot; // resume this checkpoint
  std::shared_ptr<VtExchange> exchange;
};

/// A VT this executor holds, queued or running.
struct Held {
  std::shared_ptr<VtExchange> exchange;
  CaptureSession* session = nullptr; // while it runs
  bool capture_pending = false;      // requested before it started
};

/// Runs VTs on threads, at most `slots` at once not counting VTs blocked in a receive, a send
/// or a global operation: a blocked VT lends its slot to a queued one (on another thread, started
/// if none is idle), and takes a slot again before it goes on, ahead of VTs not yet started.
/// This is managed blocking rather than parking a blocked VT as its captured frames: a blocked
/// thread costs its touched stack (a few pages), resumes without a restore, and needs nothing
/// of the VT's code; parking would bound memory by state alone but put a capture and a restore
/// on every receive that waits.
class Executor final : public BlockingObserver {
public:
  Executor(int fd, unsigned slots) : link_(fd), slots_(slots) {}

  int run() {
    send_started();
    {
      std::lock_guard lock(mutex_);
      for (unsigned i = 0; i < slots_; ++i)
        start_thread_locked();
    }
    while (std::optional<std::vector<std::byte>> frame = link_.receive()) {
      flatbuffers::Verifier verifier(reinterpret_cast<const std::uint8_t*>(frame->data()),
                                     frame->size());
      if (!verifier.VerifyBuffer<wire::ToExecutor>(nullptr))
        break; // a peer that sends garbage is not a peer
      const wire::ToExecutor* message = flatbuffers::GetRoot<wire::ToExecutor>(frame->data());
      if (const wire::Run* run = message->command_as_Run())
        accept(*run);
      else if (const wire::Cancel* cancel = message->command_as_Cancel())
        cancel_vt(cancel->vt());
      else if (const wire::Capture* capture = message->command_as_Capture())
        capture_vt(capture->vt());
      else if (const wire::Exchange* exchange = message->command_as_Exchange())
        to_vt(*exchange);
      else if (message->command_as_Shutdown())
        break;
    }
    // The peer is gone or done: nothing that still runs can report anywhere.
    std::_Exit(0);
  }

private:
  void send_started() {
    flatbuffers::FlatBufferBuilder builder;
    auto started = wire::CreateStarted(builder, int(getpid()), slots_);
    builder.Finish(wire::CreateFromExecutor(builder, wire::Event::Started, started.Union()));
    link_.send(bytes_of(builder));
  }

  void send_failure(VtNumber vt, wire::FailureKind kind, const std::string& type,
                    const std::string& what) {
    flatbuffers::FlatBufferBuilder builder;
    auto failure = wire::CreateFailure(builder, vt, kind, builder.CreateString(type),
                                       builder.CreateString(what));
    builder.Finish(wire::CreateFromExecutor(builder, wire::Event::Failure, failure.Union()));
    link_.send(bytes_of(builder));
  }

  /// A Result, Partial, Exchange or Checkpoint event carrying `bytes`.
  void send_bytes(wire::Event kind, VtNumber vt, std::span<const std::byte> bytes,
                  const char* type = "", std::uint64_t effect = 0) {
    flatbuffers::FlatBufferBuilder builder(bytes.size() + 128);
    auto value =
        builder.CreateVector(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    flatbuffers::Offset<void> event;
    switch (kind) {
    case wire::Event::Result:
      event = wire::CreateResult(builder, vt, value).Union();
      break;
    case wire::Event::Partial:
      event = wire::CreatePartial(builder, vt, builder.CreateString(type), value, effect).Union();
      break;
    case wire::Event::Exchange:
      event = wire::CreateExchange(builder, vt, value).Union();
      break;
    default:
      event = wire::CreateCheckpoint(builder, vt, effect, value).Union();
      break;
    }
    builder.Finish(wire::CreateFromExecutor(builder, kind, event));
    link_.send(bytes_of(builder));
  }

  void accept(const wire::Run& run) {
    // Only registered entries and checkpointable functions of this program may be called.
    auto entry = reinterpret_cast<EntryFunction>(module_address(run.entry()));
    const void* function = module_address(run.function());
    if (!is_registered_entry(entry) || !find_function_at(function)) {
      send_failure(run.vt(), wire::FailureKind::refused, "",
                   "the request names no spawnable function of this program (was the module "
                   "built from other sources?)");
      return;
    }
    Job job{run.vt(), run.entry(), run.function(), copy(run.args()), std::nullopt, nullptr};
    if (run.snapshot())
      job.snapshot = copy(run.snapshot());
    VtNumber vt = run.vt();
    job.exchange = std::make_shared<VtExchange>(
        vt, run.snapshot() ? run.effect() : 0, run.replay_through(),
        [this, vt](std::vector<std::byte> frame) { send_bytes(wire::Event::Exchange, vt, frame); },
        this);
    std::lock_guard lock(mutex_);
    held_[vt] = Held{job.exchange, nullptr, false};
    queue_.push_back(std::move(job));
    offer_slot_locked();
  }

  // BlockingObserver, on a VT's thread.
  void blocked(VtId vt) override {
    send_blocked(vt, true);
    std::lock_guard lock(mutex_);
    --running_;
    offer_slot_locked();
  }

  void unblocked(VtId vt) override {
    {
      std::unique_lock lock(mutex_);
      ++resuming_;
      slot_freed_.wait(lock, [&] { return running_ < slots_; });
      --resuming_;
      ++running_;
    }
    send_blocked(vt, false);
  }

  void send_blocked(VtId vt, bool blocked) {
    flatbuffers::FlatBufferBuilder builder;
    auto event = wire::CreateBlocked(builder, vt, blocked);
    builder.Finish(wire::CreateFromExecutor(builder, wire::Event::Blocked, event.Union()));
    link_.send(bytes_of(builder));
  }

  void capture_vt(VtNumber vt) {
    std::lock_guard lock(mutex_);
    auto it = held_.find(vt);
    if (it == held_.end())
      return; // ended already: nothing to capture
    if (it->second.session)
      it->second.session->request_capture();
    else
      it->second.capture_pending = true;
    it->second.exchange->interrupt();
  }

  void to_vt(const wire::Exchange& exchange) {
    std::shared_ptr<VtExchange> target;
    {
      std::lock_guard lock(mutex_);
      if (auto it = held_.find(exchange.vt()); it != held_.end())
        target = it->second.exchange;
    }
    // Frames for a VT that ended are moot (an acknowledgement that crossed its result, say).
    if (target && exchange.frame()) {
      std::span<const std::byte> frame(reinterpret_cast<const std::byte*>(exchange.frame()->data()),
                                       exchange.frame()->size());
      if (!target->on_frame(frame))
        std::fprintf(stderr, "ppp2p executor: dropped a malformed exchange frame for VT %u\n",
                     exchange.vt());
    }
  }

  void cancel_vt(VtNumber vt) {
    std::unique_lock lock(mutex_);
    if (auto held = held_.find(vt); held != held_.end() && held->second.session) {
      held->second.session->request_cancel();
      held->second.exchange->interrupt();
      return;
    }
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (it->vt == vt) {
        queue_.erase(it);
        held_.erase(vt);
        lock.unlock();
        send_failure(vt, wire::FailureKind::cancelled, "", "cancelled before it started");
        return;
      }
    }
  }

  bool startable_locked() const { return !queue_.empty() && running_ < slots_ && resuming_ == 0; }

  /// A slot may be free: blocked VTs that may go on take it first, then queued VTs, on an idle
  /// thread or a new one.
  void offer_slot_locked() {
    if (running_ >= slots_)
      return;
    if (resuming_ > 0) {
      slot_freed_.notify_one(); // one slot, one waiter: waking all would be N^2 for N blocked
      return;
    }
    if (queue_.empty())
      return;
    if (idle_ > 0)
      ready_.notify_one();
    else
      start_thread_locked();
  }

  void start_thread_locked() {
    ++idle_; // counted as idle from now, so that one offer starts one thread
    try {
      std::thread([this] { work(); }).detach();
    } catch (const std::system_error& e) {
      // Out of threads (RLIMIT_NPROC, a cgroup's pids.max): queued VTs wait for a running VT to
      // end; if every VT here is blocked on them, that wait cannot end, so say why.
      --idle_;
      std::fprintf(stderr,
                   "ppp2p executor: cannot start a thread for a queued virtual thread (%s); %zu "
                   "queued VT(s) wait for a running one to end\n",
                   e.what(), queue_.size());
    }
  }

  void work() {
    std::unique_lock lock(mutex_);
    for (;;) {
      ready_.wait(lock, [&] { return startable_locked(); });
      --idle_;
      ++running_;
      Job job = std::move(queue_.front());
      queue_.pop_front();
      offer_slot_locked(); // more may start (several slots freed at once)
      lock.unlock();
      run_job(job);
      lock.lock();
      --running_;
      // Threads started for VTs that blocked end once there are enough idle ones.
      bool surplus = idle_ >= slots_;
      if (!surplus)
        ++idle_; // before the offer, so that it does not start a thread in this one's place
      offer_slot_locked();
      if (surplus)
        return;
    }
  }

  void run_job(const Job& job) {
    VtExchange& exchange = *job.exchange;
    VtContext context{job.vt, &exchange,
                      [&](const char* type, std::vector<std::byte> bytes, std::uint64_t effect) {
                        send_bytes(wire::Event::Partial, job.vt, bytes, type, effect);
                      }};
    ScopedVtContext scope(&context);
    CaptureSession session(CaptureMode::on_request);
    session.set_sink([&](Snapshot&& snapshot) {
      exchange.flush(); // the checkpoint's effect count covers misses the owner must know
      send_bytes(wire::Event::Checkpoint, job.vt, snapshot.bytes(), "", exchange.effect());
    });
    {
      std::lock_guard lock(mutex_);
      Held& held = held_[job.vt];
      held.session = &session;
      if (held.capture_pending)
        session.request_capture();
    }
    try {
      auto entry = reinterpret_cast<EntryFunction>(module_address(job.entry));
      std::vector<std::byte> result;
      Writer out(result);
      Reader in(job.args);
      if (job.snapshot) {
        Snapshot snapshot = Snapshot::from_bytes(*job.snapshot);
        ResumeFrom from{&session, &snapshot};
        entry(module_address(job.function), in, out, &from);
      } else {
        session.enter_root();
        entry(module_address(job.function), in, out, nullptr);
      }
      exchange.flush();
      forget(job.vt);
      send_bytes(wire::Event::Result, job.vt, result);
    } catch (const vt_cancelled&) {
      forget(job.vt);
      send_failure(job.vt, wire::FailureKind::cancelled, "", "cancelled");
    } catch (const std::exception& e) {
      exchange.flush();
      forget(job.vt);
      send_failure(job.vt, wire::FailureKind::exception, demangle(typeid(e).name()), e.what());
    } catch (...) {
      exchange.flush();
      forget(job.vt);
      const std::type_info* type = abi::__cxa_current_exception_type();
      send_failure(job.vt, wire::FailureKind::exception,
                   type ? demangle(type->name()) : "unknown exception",
                   "an exception that is not a std::exception");
    }
  }

  void forget(VtNumber vt) {
    std::lock_guard lock(mutex_);
    held_.erase(vt);
  }

  FrameSocket link_;
  unsigned slots_;
  std::mutex mutex_;
  std::condition_variable ready_;      // a queued VT may start
  std::condition_variable slot_freed_; // a VT that blocked may go on
  unsigned running_ = 0;               // VTs holding a slot
  unsigned resuming_ = 0;              // VTs that blocked, waiting for a slot to go on
  unsigned idle_ = 0;                  // threads waiting for a VT to start
  std::deque<Job> queue_;
  std::map<VtNumber, Held> held_;
};

} // namespace

int run_executor(int fd, unsigned slots) {
  Executor executor(fd, slots == 0 ? 1 : slots);
  return executor.run();
}

} // namespace ppp2p::detail
