// open_agent_connection: a VirtualComputer deployed by the local agent (PPP2P_AGENT names its
// data dir) over the agent's Unix socket, DIR/client.sock, speaking client.fbs.
//
// Plain blocking sockets and two threads, no event loop: spawn(), cancel(), capture() and
// to_vt() queue commands
// that a writer thread sends in batches (one frame for many spawns); a reader thread delivers
// the agent's events, in order, to the event handler. If the connection breaks, every VT still
// outstanding fails as lost; destroying the connection releases the VC (the agent cancels what
// runs) and fails what is outstanding as cancelled.
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <poll.h>
#include <ppp2p/errors.hpp>
#include <set>
#include <sys/socket.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>
#include <variant>

#include "client_protocol.hpp"
#include "peer_connection.hpp"
#include "vt_events.hpp"

namespace ppp2p::detail {

namespace cw = client_wire;

namespace {

constexpr std::size_t kSpawnFrameBytes = 1u << 20;
constexpr std::chrono::milliseconds kCreateMargin{30000};

[[noreturn]] void unavailable(const std::string& detail) {
  throw ppp2p::error(errc::vc_unavailable, detail);
}

// Sends everything or fails (never raises SIGPIPE).
bool send_all(int fd, const std::uint8_t* p, std::size_t n) {
  while (n > 0) {
    ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// Reads exactly n bytes; false at end of stream or on error. With a deadline, also false
// (and timed_out set) when it passes first.
bool recv_all(int fd, std::uint8_t* p, std::size_t n,
              std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt,
              bool* timed_out = nullptr) {
  while (n > 0) {
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) {
        *timed_out = true;
        return false;
      }
      pollfd pfd{fd, POLLIN, 0};
      int pr = ::poll(&pfd, 1, static_cast<int>(std::min<long>(left.count(), 1 << 30)));
      if (pr < 0 && errno == EINTR)
        continue;
      if (pr == 0)
        continue;
    }
    ssize_t r = ::recv(fd, p, n, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return false;
    p += r;
    n -= static_cast<std::size_t>(r);
  }
  return true;
}

// One frame's payload; empty optional at end of stream, on error or past the deadline.
std::optional<cw::Bytes>
read_frame(int fd, std::string& error,
           std::optional<std::chrono::steady_clock::time_point> deadline = std::nullopt,
           bool* timed_out = nullptr) {
  std::uint8_t header[cw::kFrameHeader];
  if (!recv_all(fd, header, sizeof header, deadline, timed_out)) {
    error = "the agent closed the connection";
    return std::nullopt;
  }
  std::uint32_t n = cw::frame_length(header);
  if (n > cw::kMaxFrame) {
    error = "the agent sent a frame of " + std::to_string(n) + " bytes, over the limit";
    return std::nullopt;
  }
  cw::Bytes payload(n);
  if (!recv_all(fd, payload.data(), n, deadline, timed_out)) {
    error = "the agent closed the connection inside a frame";
    return std::nullopt;
  }
  return payload;
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

class AgentConnection final : public PeerConnection {
public:
  AgentConnection(int fd, std::string where, EventHandler events, unsigned workers)
      : fd_(fd), where_(std::move(where)), events_(std::move(events)), workers_(workers) {
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
    ::shutdown(fd_, SHUT_RDWR);
    reader_.join();
    ::close(fd_);
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

  void write_loop() {
    std::vector<Command> batch;
    std::vector<SpawnRequest> spawns;
    bool dead = false; // a send failed: the reader reports what is outstanding as lost
    for (;;) {
      bool closing;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return closing_ || !commands_.empty() || !early_.empty(); });
        batch.swap(commands_);
        closing = closing_;
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
      if (!dead && !out.empty() && !send_all(fd_, out.data(), out.size())) {
        dead = true;
        ::shutdown(fd_, SHUT_RDWR); // wakes the reader, which reports the loss
      }
      if (closing)
        return;
    }
  }

  void read_loop() {
    std::string error;
    for (;;) {
      auto payload = read_frame(fd_, error);
      if (!payload)
        break;
      auto m = cw::decode_to_client(*payload, error);
      if (!m) {
        error = "the agent sent an invalid frame: " + error;
        break;
      }
      if (auto* w = std::get_if<cw::WorkersChanged>(&*m)) {
        workers_.store(w->workers);
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
  std::mutex mu_;
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

} // namespace

std::unique_ptr<PeerConnection> open_agent_connection(const std::string& agent_data_dir,
                                                      const VcRequest& request,
                                                      EventHandler events) {
  VcRequest r = request;
  r.module_path = module_path(request.module_path);
  int fd = connect_to(agent_data_dir);
  cw::Bytes out;
  cw::append_create(out, r);
  if (!send_all(fd, out.data(), out.size())) {
    ::close(fd);
    unavailable("the agent at " + agent_data_dir + " closed the connection");
  }
  // The agent answers once the quota is met or the enrolment timeout has passed.
  auto deadline = std::chrono::steady_clock::now() + r.enrol_timeout + kCreateMargin;
  std::string error;
  bool timed_out = false;
  auto payload = read_frame(fd, error, deadline, &timed_out);
  std::optional<cw::ToClient> reply;
  if (payload)
    reply = cw::decode_to_client(*payload, error);
  if (!reply) {
    ::close(fd);
    unavailable(timed_out ? "the agent at " + agent_data_dir + " did not answer in time"
                          : "the agent at " + agent_data_dir + ": " + error);
  }
  if (auto* refused = std::get_if<cw::VcRefused>(&*reply)) {
    ::close(fd);
    throw ppp2p::error(errc::vc_unavailable, refused->reason);
  }
  auto* created = std::get_if<cw::VcCreated>(&*reply);
  if (!created) {
    ::close(fd);
    unavailable("the agent at " + agent_data_dir + " answered with something else");
  }
  return std::make_unique<AgentConnection>(fd, agent_data_dir, std::move(events), created->workers);
}

} // namespace ppp2p::detail
