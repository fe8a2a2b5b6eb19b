// The embedded peer: with no agent configured, a VirtualComputer runs its VTs on executor
// processes on this machine, started from the program's own executable. One process per worker
// (a crash takes down only its VTs), each with slots_per_worker threads; a dispatcher thread
// reads their events. VTs wait here and go to the executor with the fewest unfinished VTs per
// slot while it holds fewer than slots + kPrefetch not blocked (as a worker agent does): an
// executor that finishes early takes more, so a task farm's tail is as short as its last VTs,
// and a VT blocked in a receive makes room for the VTs it waits for.
#include "vc/client/peer_connection.hpp"
#include "vc/executor/executor_protocol.hpp"
#include "vc/executor/frame_socket.hpp"

#include <ppp2p/errors.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace ppp2p::detail {
namespace {

namespace wire = executor_wire;

struct Executor {
  pid_t pid = -1;
  std::unique_ptr<FrameSocket> link;
  unsigned slots = 1;
  std::set<VtNumber> vts;     // sent, not yet ended
  std::set<VtNumber> blocked; // of vts: waiting for a message or a global, holding no slot
  bool alive = true;
  std::string name;
};

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) {
    int signal = WTERMSIG(status);
    return "executor killed by signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }
  if (WIFEXITED(status))
    return "executor exited with status " + std::to_string(WEXITSTATUS(status));
  return "executor ended";
}

class EmbeddedPeer : public PeerConnection {
public:
  EmbeddedPeer(const VcRequest& request, EventHandler events) : events_(std::move(events)) {
    if (pipe2(wake_, O_CLOEXEC) != 0)
      throw error(errc::vc_unavailable, std::string("pipe: ") + std::strerror(errno));
    unsigned workers = request.workers;
    if (workers == 0)
      workers = std::max(1u, std::thread::hardware_concurrency());
    module_ = request.module_path;
    slots_ = std::max(1u, request.slots_per_worker);
    startup_timeout_ = request.enrol_timeout;
    for (unsigned i = 0; i < workers; ++i)
      executors_.push_back(start());
    for (auto& executor : executors_)
      await_started(*executor);
    dispatcher_ = std::thread([this] { dispatch(); });
  }

  ~EmbeddedPeer() override {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      for (auto& executor : executors_)
        if (executor->alive)
          send_command(*executor, Command::shutdown, 0);
    }
    // Wake the dispatcher: its poll sees the self-pipe.
    char byte = 0;
    (void)!write(wake_[1], &byte, 1);
    dispatcher_.join();
    for (auto& executor : executors_) {
      if (executor->pid > 0) {
        kill(executor->pid, SIGKILL); // running VTs cannot be interrupted otherwise
        waitpid(executor->pid, nullptr, 0);
      }
    }
    close(wake_[0]);
    close(wake_[1]);
  }

  void spawn(SpawnRequest request) override {
    std::unique_lock lock(mutex_);
    Executor* chosen = nullptr;
    for (auto& executor : executors_) // a migration to a chosen executor: there, even busy
      if (executor->alive && !request.to.empty() && executor->name == request.to)
        chosen = executor.get();
    if (chosen) {
      run_locked(*chosen, request);
      return;
    }
    if (!any_alive_locked()) {
      lock.unlock(); // the handler may call back into this peer
      events_(no_executor(request.vt));
      return;
    }
    waiting_.try_emplace(request.vt);
    queue_.push_back(std::move(request));
    dispatch_locked();
  }

private:
  // VTs queued in an executor beyond its slots: enough to hide the round trip of short VTs
  // (spawn throughput), few enough that a farm's last, small VTs still go where there is room.
  static constexpr unsigned kPrefetch = 8;

  /// A failure decided here, not by an executor.
  static VtEvent peer_failure(VtNumber vt, VtEvent::Failure failure, const char* what) {
    VtEvent event;
    event.kind = VtEvent::Kind::failure;
    event.failure = failure;
    event.vt = vt;
    event.what = what;
    event.peer = "embedded peer";
    return event;
  }
  static VtEvent no_executor(VtNumber vt) {
    return peer_failure(vt, VtEvent::Failure::crashed,
                        "no executor of this virtual computer is alive");
  }

  bool any_alive_locked() const {
    for (const auto& executor : executors_)
      if (executor->alive)
        return true;
    return false;
  }

  /// Sends queued VTs to executors with room, the least loaded per slot first (a migration
  /// avoids its old executor if another has room).
  void dispatch_locked() {
    while (!queue_.empty()) {
      const SpawnRequest& next = queue_.front();
      Executor* best = nullptr;
      auto load = [](const Executor& e) { return e.vts.size() - e.blocked.size(); };
      for (int pass = 0; pass < 2 && !best; ++pass)
        for (auto& executor : executors_) {
          if (!executor->alive || load(*executor) >= executor->slots + kPrefetch ||
              (pass == 0 && executor->name == next.avoid))
            continue;
          if (!best || load(*executor) * best->slots < load(*best) * executor->slots)
            best = executor.get();
        }
      if (!best)
        return; // every executor is full: the next result or block makes room
      SpawnRequest request = std::move(queue_.front());
      queue_.pop_front();
      run_locked(*best, request);
    }
  }

  void run_locked(Executor& executor, const SpawnRequest& request) {
    executor.vts.insert(request.vt);
    owner_[request.vt] = &executor;
    executor.link->send(
        wire::encode(wire::Run{request.vt, request.entry, request.function, request.args,
                               request.snapshot, request.effect, request.replay_through}));
    // Message frames that came while it waited here follow its Run, in order, then a
    // capture asked for meanwhile.
    if (auto waited = waiting_.find(request.vt); waited != waiting_.end()) {
      for (std::vector<std::byte>& frame : waited->second.frames)
        executor.link->send(wire::encode(wire::ToVt{request.vt, std::move(frame)}));
      if (waited->second.capture)
        send_command(executor, Command::capture, request.vt);
      waiting_.erase(waited);
    }
  }

public:
  void cancel(VtNumber vt) override {
    std::unique_lock lock(mutex_);
    if (auto it = owner_.find(vt); it != owner_.end() && it->second->alive) {
      send_command(*it->second, Command::cancel, vt);
      return;
    }
    if (!waiting_.erase(vt))
      return;
    queue_.erase(std::find_if(queue_.begin(), queue_.end(),
                              [&](const SpawnRequest& r) { return r.vt == vt; }));
    lock.unlock();
    events_(peer_failure(vt, VtEvent::Failure::cancelled, "cancelled before it started"));
  }

  void capture(VtNumber vt) override {
    std::lock_guard lock(mutex_);
    if (auto it = owner_.find(vt); it != owner_.end() && it->second->alive) {
      send_command(*it->second, Command::capture, vt);
      return;
    }
    // Waiting here: captured once it runs (requests held as one, as a worker does).
    if (auto waited = waiting_.find(vt); waited != waiting_.end())
      waited->second.capture = true;
  }

  void to_vt(VtNumber vt, std::vector<std::byte> frame) override {
    std::lock_guard lock(mutex_);
    if (auto waited = waiting_.find(vt); waited != waiting_.end()) {
      waited->second.frames.push_back(std::move(frame)); // queued here: sent after its Run
      return;
    }
    auto it = owner_.find(vt);
    if (it == owner_.end() || !it->second->alive)
      return; // ended, or lost with its executor (a resume places it again)
    it->second->link->send(wire::encode(wire::ToVt{vt, std::move(frame)}));
  }

  unsigned workers() const override {
    std::lock_guard lock(mutex_);
    unsigned alive = 0;
    for (const auto& executor : executors_)
      alive += executor->alive;
    return alive;
  }

  std::vector<std::string> worker_names() const override {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    for (const auto& executor : executors_)
      if (executor->alive)
        names.push_back(executor->name);
    return names;
  }

private:
  enum class Command { cancel, capture, shutdown };

  void send_command(Executor& executor, Command command, VtNumber vt) {
    if (command == Command::cancel)
      executor.link->send(wire::encode(wire::Cancel{vt}));
    else if (command == Command::capture)
      executor.link->send(wire::encode(wire::Capture{vt}));
    else
      executor.link->send(wire::encode(wire::Shutdown{}));
  }

  std::unique_ptr<Executor> start() {
    const std::string& module = module_;
    unsigned slots = slots_;
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0)
      throw error(errc::vc_unavailable, std::string("socketpair: ") + std::strerror(errno));
    std::string fd_variable = "PPP2P_EXECUTOR_FD=" + std::to_string(fds[1]);
    std::string slots_variable = "PPP2P_EXECUTOR_SLOTS=" + std::to_string(slots);
    std::vector<char*> environment;
    for (char** e = environ; *e; ++e)
      if (std::strncmp(*e, "PPP2P_EXECUTOR_", 15) != 0)
        environment.push_back(*e);
    environment.push_back(fd_variable.data());
    environment.push_back(slots_variable.data());
    environment.push_back(nullptr);
    std::string path = module.empty() ? "/proc/self/exe" : module;
    char argv0[] = "ppp2p-executor";
    char* argv[] = {argv0, nullptr};
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
      throw error(errc::vc_unavailable, std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      // Only async-signal-safe calls until exec.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent)
        _exit(127);
      int flags = fcntl(fds[1], F_GETFD);
      fcntl(fds[1], F_SETFD, flags & ~FD_CLOEXEC);
      execve(path.c_str(), argv, environment.data());
      _exit(127);
    }
    close(fds[1]);
    auto executor = std::make_unique<Executor>();
    executor->pid = pid;
    executor->link = std::make_unique<FrameSocket>(fds[0]);
    executor->slots = slots;
    executor->name = "embedded executor " + std::to_string(pid);
    return executor;
  }

  void await_started(Executor& executor) {
    std::chrono::milliseconds timeout = startup_timeout_;
    pollfd wait{executor.link->fd(), POLLIN, 0};
    if (poll(&wait, 1, int(timeout.count())) <= 0)
      throw error(errc::vc_unavailable, executor.name + " did not start within " +
                                            std::to_string(timeout.count()) + " ms");
    std::optional<std::vector<std::byte>> frame = executor.link->receive();
    bool started = false;
    if (frame) {
      std::string error;
      std::optional<wire::Event> event = wire::decode_event(*frame, error);
      started = event && std::holds_alternative<wire::Started>(*event);
    }
    if (!started) {
      int status = 0;
      waitpid(executor.pid, &status, 0);
      executor.pid = -1;
      throw error(errc::vc_unavailable,
                  executor.name + " failed to start: " + describe_exit(status) +
                      " (is the program linked with ppp2p, -Wl,--wrap=main included?)");
    }
  }

  void dispatch() {
    for (;;) {
      std::vector<pollfd> fds;
      std::vector<Executor*> watched;
      bool buffered = false; // frames read with an earlier one (the start-up handshake's)
      {
        std::lock_guard lock(mutex_);
        if (stopping_)
          return;
        for (auto& executor : executors_)
          if (executor->alive) {
            fds.push_back({executor->link->fd(), POLLIN, 0});
            watched.push_back(executor.get());
            buffered = buffered || executor->link->has_buffered_frame();
          }
      }
      fds.push_back({wake_[0], POLLIN, 0});
      if (poll(fds.data(), fds.size(), buffered ? 0 : 200) < 0 && errno != EINTR)
        return;
      for (std::size_t i = 0; i < watched.size(); ++i)
        if (fds[i].revents || watched[i]->link->has_buffered_frame())
          read_events(*watched[i]);
    }
  }

  void read_events(Executor& executor) {
    bool closed = false;
    std::vector<std::vector<std::byte>> frames = executor.link->receive_available(closed);
    // What handling a batch sends to executors (messages routed, replies, acknowledgements)
    // leaves in one write per executor at the end of the batch.
    Corked corked(*this, frames.size() > 1);
    for (const std::vector<std::byte>& frame : frames) {
      std::string error;
      std::optional<wire::Event> event = wire::decode_event(frame, error);
      VtEvent* vt_event = event ? std::get_if<VtEvent>(&*event) : nullptr;
      if (!vt_event) { // garbage, or a second Started: the executor is lost
        closed = true;
        break;
      }
      deliver(executor, std::move(*vt_event));
    }
    if (closed)
      lose(executor);
  }

  /// Corks every live executor's link for its lifetime (when `on`).
  class Corked {
  public:
    Corked(EmbeddedPeer& peer, bool on) {
      if (!on)
        return;
      std::lock_guard lock(peer.mutex_);
      for (auto& executor : peer.executors_)
        if (executor->alive) {
          executor->link->cork();
          links_.push_back(executor->link.get());
        }
    }
    ~Corked() {
      for (FrameSocket* link : links_)
        link->uncork();
    }
    Corked(const Corked&) = delete;
    Corked& operator=(const Corked&) = delete;

  private:
    std::vector<FrameSocket*> links_;
  };

  void deliver(Executor& executor, VtEvent&& event) {
    event.peer = executor.name;
    if (event.kind == VtEvent::Kind::blocked || event.kind == VtEvent::Kind::unblocked) {
      // Kept here: a blocked VT makes room in its executor for the VTs it waits for.
      std::lock_guard lock(mutex_);
      if (!executor.vts.count(event.vt))
        return;
      if (event.kind == VtEvent::Kind::blocked) {
        executor.blocked.insert(event.vt);
        dispatch_locked();
      } else {
        executor.blocked.erase(event.vt);
      }
      return;
    }
    {
      std::lock_guard lock(mutex_);
      if (!executor.vts.count(event.vt))
        return; // not a VT this executor holds: ignored
      if (event.kind == VtEvent::Kind::result || event.kind == VtEvent::Kind::failure) {
        executor.vts.erase(event.vt);
        executor.blocked.erase(event.vt);
        owner_.erase(event.vt);
        dispatch_locked();
      }
    }
    events_(std::move(event));
  }

  /// The executor ended: every VT it held fails, naming how it ended.
  void lose(Executor& executor) {
    int status = 0;
    waitpid(executor.pid, &status, 0);
    executor.pid = -1;
    std::set<VtNumber> vts;
    {
      std::lock_guard lock(mutex_);
      executor.alive = false;
      vts.swap(executor.vts);
      executor.blocked.clear();
      for (VtNumber vt : vts)
        owner_.erase(vt);
    }
    std::string what = describe_exit(status);
    replace_lost_worker();
    std::vector<VtNumber> stranded; // queued here with no executor left to run them
    {
      std::lock_guard lock(mutex_);
      if (any_alive_locked()) {
        dispatch_locked();
      } else {
        for (const SpawnRequest& request : queue_)
          stranded.push_back(request.vt);
        queue_.clear();
        waiting_.clear();
      }
    }
    for (VtNumber vt : stranded)
      events_(no_executor(vt));
    for (VtNumber vt : vts) {
      VtEvent event;
      event.kind = VtEvent::Kind::failure;
      event.failure = VtEvent::Failure::crashed;
      event.vt = vt;
      event.what = what;
      event.peer = executor.name;
      events_(std::move(event));
    }
  }

  /// The quota maintainer of the embedded peer: a worker that ended is replaced by a new
  /// executor, up to a bound (a program that crashes every executor is not restarted forever).
  void replace_lost_worker() {
    {
      std::lock_guard lock(mutex_);
      if (stopping_ || replacements_ >= kMaxReplacements)
        return;
      ++replacements_;
    }
    try {
      std::unique_ptr<Executor> executor = start();
      await_started(*executor);
      std::lock_guard lock(mutex_);
      executors_.push_back(std::move(executor));
    } catch (const error&) {
      // The quota stays short: workers() says so, and spawning goes to the others.
    }
  }

  static constexpr unsigned kMaxReplacements = 16;

  EventHandler events_;
  std::string module_;
  unsigned slots_ = 1;
  std::chrono::milliseconds startup_timeout_{10000};
  unsigned replacements_ = 0;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Executor>> executors_;
  std::map<VtNumber, Executor*> owner_;
  std::deque<SpawnRequest> queue_; // VTs waiting for room in an executor
  // What came for each VT in queue_ (every queued VT has an entry), sent after its Run: message
  // frames (bounded by the messages owner's buffer) and whether a capture was asked for.
  struct Waiting {
    std::vector<std::vector<std::byte>> frames;
    bool capture = false;
  };
  std::map<VtNumber, Waiting> waiting_;
  bool stopping_ = false;
  std::thread dispatcher_;
  int wake_[2] = {-1, -1};
};

} // namespace

std::unique_ptr<PeerConnection> open_embedded_peer(const VcRequest& request, EventHandler events) {
  return std::make_unique<EmbeddedPeer>(request, std::move(events));
}

} // namespace ppp2p::detail
