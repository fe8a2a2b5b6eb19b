// open_agent_connection: a VirtualComputer deployed by the local agent (PPP2P_AGENT names its
// data dir) over the agent's Unix socket, DIR/client.sock, speaking client.fbs.
//
// Plain blocking sockets and two threads, no event loop: spawn(), cancel(), capture() and
// to_vt() queue commands that a writer thread sends in batches (one frame for many spawns); a
// reader thread delivers the agent's events, in order, to the event handler. If the connection
// breaks, the reader tries for an enrolment timeout to create the VC again at the agent of the
// same data dir (one restarted by a service manager or an operator): then every VT still
// outstanding is reported lost with a peer, and the client resumes it from its checkpoints;
// otherwise it fails as lost. Destroying the connection releases the VC (the agent cancels
// what runs) and fails what is outstanding as cancelled.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <ppp2p/errors.hpp>
#include <set>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <variant>

#include "vc/agent_link/client_protocol.hpp"
#include "vc/client/peer_connection.hpp"
#include "vc/client/vt_events.hpp"
#include "vc/framing/blocking_socket.hpp"

namespace ppp2p::detail {

namespace cw = client_wire;

namespace {

constexpr std::size_t kSpawnFrameBytes = 1u << 20;
constexpr std::chrono::milliseconds kCreateMargin{30000};

[[noreturn]] void unavailable(const std::string& detail) {
  throw ppp2p::error(errc::vc_unavailable, detail);
}

bool send_all(int fd, const cw::Bytes& bytes) {
  return blocking_socket::send_all(fd, std::as_bytes(std::span(bytes)));
}

// One frame's payload; nullopt at end of stream, on error or past the deadline.
std::optional<std::vector<std::byte>> read_frame(int fd, std::string& error,
                                                 blocking_socket::Deadline deadline = std::nullopt,
                                                 bool* timed_out = nullptr) {
  auto payload = blocking_socket::receive_frame(fd, cw::kMaxFrame, error, deadline, timed_out);
  if (!payload)
    error = "the agent " + error;
  return payload;
}

cw::ByteView view(const std::vector<std::byte>& payload) {
  return {reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()};
}

// The module to ship: the path the client gave, made absolute and free of /proc/self links (the
// agent, another process, must be able to open it).
std::string module_path(const std::string& given) {
  std::error_code ec;
  std::filesystem::path p = given.empty() ? "/proc/self/exe" : given;
  auto resolved = std::filesystem::canonical(p, ec);
  if (ec)
    throw ppp2p::error(errc::vc_unavailable,
                       "cannot resolve the module path " + p.string() + ": " + ec.message());
  return resolved.string();
}

struct CancelCommand {
  VtNumber vt;
};
struct CaptureCommand {
  VtNumber vt;
};
struct ToVtCommand {
  VtNumber vt;
  std::vector<std::byte> frame;
};
using Command = std::variant<SpawnRequest, CancelCommand, CaptureCommand, ToVtCommand>;

std::size_t snapshot_size(const SpawnRequest& r) {
  return r.snapshot ? r.snapshot->size() : 0;
}

// Connects to the agent at `dir` and creates a VC there: the connected socket, and the workers
// enrolled. Throws ppp2p::error (vc_unavailable) naming the problem.
int create_vc(const std::string& dir, const VcRequest& request, std::vector<std::string>& workers);

class AgentConnection final : public PeerConnection {
public:
  AgentConnection(int fd, std::string where, EventHandler events, std::vector<std::string> workers,
                  VcRequest request)
      : fd_(fd), where_(std::move(where)), events_(std::move(events)),
        workers_(unsigned(workers.size())), worker_names_(std::move(workers)),
        request_(std::move(request)) {
    writer_ = std::thread([this] { write_loop(); });
    reader_ = std::thread([this] { read_loop(); });
  }

  ~AgentConnection() override {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    writer_.join(); // sends what was queued, then Release
    ::shutdown(current_fd(), SHUT_RDWR);
    reader_.join();
    ::close(fd_);
    for (int fd : retired_fds_)
      ::close(fd);
    std::set<VtNumber> left;
    {
      std::lock_guard lock(mu_);
      left.swap(outstanding_);
    }
    for (VtNumber vt : left)
      events_(failure_event(vt, VtEvent::Failure::cancelled, "the virtual computer was destroyed"));
  }

  void spawn(SpawnRequest request) override {
    {
      std::lock_guard lock(mu_);
      if (broken_) {
        early_.push_back(failure_event(request.vt, VtEvent::Failure::lost,
                                       "the connection to the agent at " + where_ +
                                           " was lost before this VT was spawned"));
      } else if (request.args.size() > cw::kMaxValue || snapshot_size(request) > cw::kMaxValue) {
        bool args = request.args.size() > cw::kMaxValue;
        std::size_t size = args ? request.args.size() : snapshot_size(request);
        early_.push_back(
            failure_event(request.vt, VtEvent::Failure::refused,
                          std::string(args ? "its arguments take " : "its checkpoint takes ") +
                              std::to_string(size) +
                              " bytes; a VT's arguments or checkpoint may take at most 60 MiB"));
      } else {
        outstanding_.insert(request.vt);
        commands_.emplace_back(std::move(request));
      }
    }
    cv_.notify_one();
  }

  void cancel(VtNumber vt) override {
    {
      std::lock_guard lock(mu_);
      if (!broken_)
        commands_.emplace_back(CancelCommand{vt});
    }
    cv_.notify_one();
  }

  void capture(VtNumber vt) override { queue(CaptureCommand{vt}); }

  void to_vt(VtNumber vt, std::vector<std::byte> frame) override {
    queue(ToVtCommand{vt, std::move(frame)});
  }

  unsigned workers() const override { return workers_.load(); }
  std::vector<std::string> worker_names() const override {
    std::lock_guard lock(mu_);
    return worker_names_;
  }

private:
  void queue(Command command) {
    {
      std::lock_guard lock(mu_);
      if (broken_)
        return;
      commands_.push_back(std::move(command));
    }
    cv_.notify_one();
  }

  int current_fd() {
    std::lock_guard lock(mu_);
    return fd_;
  }

  void write_loop() {
    std::vector<Command> batch;
    std::vector<SpawnRequest> spawns;
    for (;;) {
      bool closing;
      int fd;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return closing_ || !commands_.empty() || !early_.empty(); });
        batch.swap(commands_);
        closing = closing_;
        fd = fd_; // a replaced one stays open (retired_fds_) until the destructor
      }
      report_early_failures();
      cw::Bytes out;
      auto flush_spawns = [&] {
        for (std::size_t b = 0, e; b < spawns.size(); b = e) {
          std::size_t bytes = 0;
          for (e = b; e < spawns.size() && (e == b || bytes < kSpawnFrameBytes); ++e)
            bytes += spawns[e].args.size() + snapshot_size(spawns[e]) + 48;
          cw::append_spawns(out, spawns, b, e);
        }
        spawns.clear();
      };
      for (Command& c : batch) {
        if (auto* s = std::get_if<SpawnRequest>(&c)) {
          spawns.push_back(std::move(*s));
        } else {
          flush_spawns();
          if (auto* cancel = std::get_if<CancelCommand>(&c))
            cw::append_cancel(out, cancel->vt);
          else if (auto* capture = std::get_if<CaptureCommand>(&c))
            cw::append_capture(out, capture->vt);
          else
            cw::append_to_vt(out, std::get<ToVtCommand>(c).vt, std::get<ToVtCommand>(c).frame);
        }
      }
      flush_spawns();
      batch.clear();
      if (closing)
        cw::append_release(out);
      // A failed send: the reader notices the broken connection, reconnects or reports the
      // loss; what this batch carried is re-sent by the VTs' resumes.
      if (!out.empty() && !send_all(fd, out))
        ::shutdown(fd, SHUT_RDWR);
      if (closing)
        return;
    }
  }

  void read_loop() {
    std::string error;
    for (;;) {
      auto payload = read_frame(current_fd(), error);
      if (!payload) {
        if (reconnect())
          continue;
        break;
      }
      auto m = cw::decode_to_client(view(*payload), error);
      if (!m) {
        error = "the agent sent an invalid frame: " + error;
        break;
      }
      if (auto* w = std::get_if<cw::WorkersChanged>(&*m)) {
        std::lock_guard lock(mu_);
        workers_.store(w->workers);
        worker_names_ = std::move(w->names);
      } else if (auto* events = std::get_if<std::vector<VtEvent>>(&*m)) {
        for (VtEvent& e : *events)
          deliver(std::move(e));
      } // VcCreated or VcRefused again: ignored
    }
    // The connection is gone. Unless we are closing it, what is outstanding is lost.
    std::set<VtNumber> left;
    {
      std::lock_guard lock(mu_);
      broken_ = true;
      if (closing_)
        return;
      left.swap(outstanding_);
      commands_.clear();
    }
    for (VtNumber vt : left)
      events_(failure_event(vt, VtEvent::Failure::lost,
                            "lost the connection to the agent at " + where_ + ": " + error));
  }

  /// The connection broke (the agent died or restarted): tries, until an enrolment timeout
  /// passes, to create the VC again at the agent of the same data dir. On success every VT that
  /// was outstanding is reported lost *with* a peer, so that the client resumes it from its
  /// newest checkpoint on the new deployment; commands queued meanwhile are dropped (the
  /// resumes re-send what matters; a cancel sent while the agent was away is lost).
  bool reconnect() {
    auto deadline = std::chrono::steady_clock::now() + request_.enrol_timeout;
    int fd = -1;
    std::vector<std::string> workers;
    std::string why;
    while (fd < 0) {
      {
        std::lock_guard lock(mu_);
        if (closing_)
          return false;
      }
      try {
        fd = create_vc(where_, request_, workers);
      } catch (const ppp2p::error& e) {
        why = e.what();
        if (std::chrono::steady_clock::now() >= deadline)
          return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
      }
    }
    std::set<VtNumber> left;
    {
      std::lock_guard lock(mu_);
      if (closing_) {
        retired_fds_.push_back(fd);
        return false;
      }
      retired_fds_.push_back(fd_);
      fd_ = fd;
      left.swap(outstanding_);
      commands_.clear();
    }
    {
      std::lock_guard lock(mu_);
      workers_.store(unsigned(workers.size()));
      worker_names_ = std::move(workers);
    }
    for (VtNumber vt : left) {
      VtEvent e = failure_event(vt, VtEvent::Failure::lost,
                                "its deployer, the agent at " + where_ + ", restarted");
      e.peer = "the agent at " + where_;
      events_(std::move(e));
    }
    return true;
  }

  void deliver(VtEvent&& e) {
    if (e.kind == VtEvent::Kind::result || e.kind == VtEvent::Kind::failure) {
      std::lock_guard lock(mu_);
      if (!outstanding_.erase(e.vt))
        return; // not ours, or reported already
    }
    events_(std::move(e));
  }

  // Spawns that fail before they are sent (the connection broke, arguments too large) are
  // reported from the writer thread, not the caller's.
  void report_early_failures() {
    std::vector<VtEvent> early;
    {
      std::lock_guard lock(mu_);
      early.swap(early_);
    }
    for (VtEvent& e : early)
      events_(std::move(e));
  }

  int fd_;
  std::string where_;
  EventHandler events_;
  std::atomic<unsigned> workers_;
  std::vector<std::string> worker_names_; // guarded by mu_
  const VcRequest request_;               // to create the VC again after the agent restarted
  std::vector<int> retired_fds_; // sockets of connections replaced (the writer may hold one)
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Command> commands_;
  std::vector<VtEvent> early_;
  std::set<VtNumber> outstanding_;
  bool closing_ = false;
  bool broken_ = false;
  std::thread writer_, reader_;
};

// A connected socket to DIR/client.sock.
int connect_to(const std::string& dir) {
  std::string path = (std::filesystem::path(dir) / "client.sock").string();
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path)
    unavailable("the socket path " + path + " is longer than the 107 bytes Unix sockets allow");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    unavailable(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    ::close(fd);
    if (e == ENOENT || e == ECONNREFUSED)
      unavailable("no agent is running with data dir " + dir + " (nothing answers on " + path +
                  "); start one (ppp2p-runtime --data-dir " + dir +
                  " ...) or unset PPP2P_AGENT to run on this machine alone");
    unavailable("cannot connect to " + path + ": " + std::strerror(e));
  }
  timeval send_timeout{10, 0}; // a send that makes no progress for 10 s: the agent is stuck
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
  return fd;
}

int create_vc(const std::string& dir, const VcRequest& r, std::vector<std::string>& workers) {
  int fd = connect_to(dir);
  cw::Bytes out;
  cw::append_create(out, r);
  if (!send_all(fd, out)) {
    ::close(fd);
    unavailable("the agent at " + dir + " closed the connection");
  }
  // The agent answers once the quota is met or the enrolment timeout has passed.
  auto deadline = std::chrono::steady_clock::now() + r.enrol_timeout + kCreateMargin;
  std::string error;
  bool timed_out = false;
  auto payload = read_frame(fd, error, deadline, &timed_out);
  std::optional<cw::ToClient> reply;
  if (payload)
    reply = cw::decode_to_client(view(*payload), error);
  if (!reply) {
    ::close(fd);
    unavailable(timed_out ? "the agent at " + dir + " did not answer in time"
                          : "the agent at " + dir + ": " + error);
  }
  if (auto* refused = std::get_if<cw::VcRefused>(&*reply)) {
    ::close(fd);
    throw ppp2p::error(errc::vc_unavailable, refused->reason);
  }
  auto* created = std::get_if<cw::VcCreated>(&*reply);
  if (!created) {
    ::close(fd);
    unavailable("the agent at " + dir + " answered with something else");
  }
  workers = std::move(created->names);
  return fd;
}

} // namespace

std::unique_ptr<PeerConnection> open_agent_connection(const std::string& agent_data_dir,
                                                      const VcRequest& request,
                                                      EventHandler events) {
  VcRequest r = request;
  r.module_path = module_path(request.module_path);
  std::vector<std::string> workers;
  int fd = create_vc(agent_data_dir, r, workers);
  return std::make_unique<AgentConnection>(fd, agent_data_dir, std::move(events), workers,
                                           std::move(r));
}

} // namespace ppp2p::detail
