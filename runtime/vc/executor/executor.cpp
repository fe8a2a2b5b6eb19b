#include "vc/executor/executor.hpp"

#include "vc/client/peer_connection.hpp"
#include "vc/executor/executor_protocol.hpp"
#include "vc/executor/frame_socket.hpp"
#include "vc/executor/vt_context.hpp"
#include "vc/messages/vt_messages.hpp"

#include "demangle.hpp"
#include "function_registry.hpp"

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

namespace wire = executor_wire;

struct Job {
  VtNumber vt = 0;
  std::uint64_t entry = 0;
  std::uint64_t function = 0;
  std::vector<std::byte> args;
  std::optional<std::vector<std::byte>> snapshot; // resume this checkpoint
  std::shared_ptr<VtMessages> messages;
};

/// A VT this executor holds, queued or running.
struct Held {
  std::shared_ptr<VtMessages> messages;
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
      std::string error;
      std::optional<wire::Command> command = wire::decode_command(*frame, error);
      if (!command) {
        // A peer that sends garbage is not a peer.
        std::fprintf(stderr, "ppp2p executor: its peer sent %s; ending\n", error.c_str());
        break;
      }
      if (wire::Run* run = std::get_if<wire::Run>(&*command))
        accept(std::move(*run));
      else if (const wire::Cancel* cancel = std::get_if<wire::Cancel>(&*command))
        cancel_vt(cancel->vt);
      else if (const wire::Capture* capture = std::get_if<wire::Capture>(&*command))
        capture_vt(capture->vt);
      else if (wire::ToVt* to = std::get_if<wire::ToVt>(&*command))
        to_vt(to->vt, to->frame);
      else
        break; // Shutdown
    }
    // The peer is gone or done: nothing that still runs can report anywhere.
    std::_Exit(0);
  }

private:
  void send_started() {
    link_.send(wire::encode(wire::Event{wire::Started{int(getpid()), slots_}}));
  }

  void send_event(VtEvent event) { link_.send(wire::encode(wire::Event{std::move(event)})); }

  void send_failure(VtNumber vt, VtEvent::Failure kind, std::string type, std::string what) {
    VtEvent e{.kind = VtEvent::Kind::failure, .failure = kind, .vt = vt};
    e.type = std::move(type);
    e.what = std::move(what);
    send_event(std::move(e));
  }

  /// A result, partial, message-frame or checkpoint event carrying `bytes`.
  void send_bytes(VtEvent::Kind kind, VtNumber vt, std::vector<std::byte> bytes,
                  const char* type = "", std::uint64_t effect = 0) {
    VtEvent e{.kind = kind, .vt = vt, .value = std::move(bytes), .effect = effect};
    e.type = type;
    send_event(std::move(e));
  }

  void accept(wire::Run&& run) {
    // Only registered entries and checkpointable functions of this program may be called.
    auto entry = reinterpret_cast<EntryFunction>(module_address(run.entry));
    const void* function = module_address(run.function);
    if (!is_registered_entry(entry) || !find_function_at(function)) {
      send_failure(run.vt, VtEvent::Failure::refused, "",
                   "the request names no spawnable function of this program (was the module "
                   "built from other sources?)");
      return;
    }
    VtNumber vt = run.vt;
    std::uint64_t effect = run.snapshot ? run.effect : 0;
    Job job{vt, run.entry, run.function, std::move(run.args), std::move(run.snapshot), nullptr};
    job.messages = std::make_shared<VtMessages>(
        vt, effect, run.replay_through,
        [this, vt](std::vector<std::byte> frame) {
          send_bytes(VtEvent::Kind::message_frame, vt, std::move(frame));
        },
        this);
    std::lock_guard lock(mutex_);
    held_[vt] = Held{job.messages, nullptr, false};
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
    send_event(VtEvent{.kind = blocked ? VtEvent::Kind::blocked : VtEvent::Kind::unblocked,
                       .vt = VtNumber(vt)});
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
    it->second.messages->interrupt();
  }

  void to_vt(VtNumber vt, std::span<const std::byte> frame) {
    std::shared_ptr<VtMessages> target;
    {
      std::lock_guard lock(mutex_);
      if (auto it = held_.find(vt); it != held_.end())
        target = it->second.messages;
    }
    // Frames for a VT that ended are moot (an acknowledgement that crossed its result, say).
    if (target && !target->on_frame(frame))
      std::fprintf(stderr, "ppp2p executor: dropped a malformed message frame for VT %u\n", vt);
  }

  void cancel_vt(VtNumber vt) {
    std::unique_lock lock(mutex_);
    if (auto held = held_.find(vt); held != held_.end() && held->second.session) {
      held->second.session->request_cancel();
      held->second.messages->interrupt();
      return;
    }
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (it->vt == vt) {
        queue_.erase(it);
        held_.erase(vt);
        lock.unlock();
        send_failure(vt, VtEvent::Failure::cancelled, "", "cancelled before it started");
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
    VtMessages& messages = *job.messages;
    VtContext context{job.vt, &messages,
                      [&](const char* type, std::vector<std::byte> bytes, std::uint64_t effect) {
                        send_bytes(VtEvent::Kind::partial, job.vt, std::move(bytes), type, effect);
                      }};
    ScopedVtContext scope(&context);
    CaptureSession session(CaptureMode::on_request);
    session.set_sink([&](Snapshot&& snapshot) {
      messages.flush(); // the checkpoint's effect count covers misses the owner must know
      const auto& bytes = snapshot.bytes();
      send_bytes(VtEvent::Kind::checkpoint, job.vt, {bytes.begin(), bytes.end()}, "",
                 messages.effect());
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
      messages.flush();
      forget(job.vt);
      send_bytes(VtEvent::Kind::result, job.vt, std::move(result));
    } catch (const vt_cancelled&) {
      forget(job.vt);
      send_failure(job.vt, VtEvent::Failure::cancelled, "", "cancelled");
    } catch (const std::exception& e) {
      messages.flush();
      forget(job.vt);
      send_failure(job.vt, VtEvent::Failure::exception, demangle(typeid(e).name()), e.what());
    } catch (...) {
      messages.flush();
      forget(job.vt);
      const std::type_info* type = abi::__cxa_current_exception_type();
      send_failure(job.vt, VtEvent::Failure::exception,
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
