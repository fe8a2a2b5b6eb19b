#include "client_server.hpp"

#include <cstdio>
#include <unistd.h>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/frame_reader.hpp"
#include "ppp2p/net/timer.hpp"
#include "vc/agent_link/client_protocol.hpp"

namespace ppp2p::agent::vc {

using namespace ppp2p::net;
namespace cw = ppp2p::detail::client_wire;

namespace {
constexpr Millis kCreateDeadline{10000};
constexpr std::size_t kEventFrameBytes = 1u << 20;
constexpr std::size_t kMaxBacklog = 256u << 20; // a client that stops reading is dropped

std::string short_id(VcId id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
  return buf;
}
} // namespace

// One client connection: one VC.
class ClientSession final : public ClientSink, public std::enable_shared_from_this<ClientSession> {
public:
  ClientSession(ClientServer& server, std::unique_ptr<Stream> stream)
      : s_(server), stream_(std::move(stream)), flush_timer_(server.loop_) {}
  ~ClientSession() override { release(); }

  task<void> run();
  void close() { stream_->close(); }

  void created(VcId vc, const std::vector<std::string>& workers) override {
    s_.log_("VC " + short_id(vc) + ": created with " + std::to_string(workers.size()) +
            " worker(s)");
    flush();
    cw::Bytes out;
    cw::append_created(out, {vc, unsigned(workers.size()), module_, workers});
    send(std::move(out));
  }
  void refused(const std::string& reason) override {
    s_.log_("VC " + short_id(vc_.value_or(0)) + ": refused: " + reason);
    refuse(reason);
  }
  void workers_changed(const std::vector<std::string>& workers) override {
    s_.log_("VC " + short_id(vc_.value_or(0)) + ": " + std::to_string(workers.size()) +
            " worker(s)");
    flush();
    cw::Bytes out;
    cw::append_workers(out, {unsigned(workers.size()), workers});
    send(std::move(out));
  }
  void event(VtEvent&& e) override {
    // What an operator wants to see in the agent's log about the VC's VTs moving.
    if (e.kind == VtEvent::Kind::failure && e.failure == VtEvent::Failure::lost)
      s_.log_("VC " + short_id(vc_.value_or(0)) + ": VT " + std::to_string(e.vt) +
              " lost: " + e.what);
    else if (e.kind == VtEvent::Kind::rebalance)
      s_.log_("VC " + short_id(vc_.value_or(0)) + ": VT " + std::to_string(e.vt) +
              " may move to the idle, faster worker " + e.peer);
    pending_bytes_ += e.value.size() + e.what.size() + 64;
    pending_.push_back(std::move(e));
    if (pending_bytes_ >= kEventFrameBytes)
      flush();
    else if (!flush_timer_.pending())
      flush_timer_.start(Millis{0}, [this] { flush(); });
  }

private:
  void flush() {
    flush_timer_.cancel();
    if (pending_.empty())
      return;
    cw::Bytes out;
    cw::append_events(out, pending_);
    pending_.clear();
    pending_bytes_ = 0;
    send(std::move(out));
  }
  void send(cw::Bytes bytes) {
    if (closing_)
      return;
    if (stream_->queued_bytes() + bytes.size() > kMaxBacklog) {
      s_.log_("VC " + short_id(vc_.value_or(0)) +
              ": the client does not read its events; "
              "closing its connection");
      closing_ = true;
      stream_->close();
      return;
    }
    (void)stream_->send(std::move(bytes));
  }
  // Sends the refusal, then closes once it is written.
  void refuse(const std::string& reason) {
    flush();
    cw::Bytes out;
    cw::append_refused(out, reason);
    send(std::move(out));
    closing_ = true;
    s_.scope_.spawn([](std::shared_ptr<ClientSession> self) -> task<void> {
      Timer limit(self->s_.loop_);
      limit.start(Millis{5000}, [&] { self->stream_->close(); });
      (void)co_await self->stream_->drained();
      self->stream_->close();
    }(shared_from_this()));
  }
  void release() {
    if (vc_ && !released_) {
      released_ = true;
      s_.node_.release(*vc_);
    }
  }
  bool handle(cw::ToAgent&& m);

  ClientServer& s_;
  std::unique_ptr<Stream> stream_;
  Timer flush_timer_;
  std::vector<VtEvent> pending_;
  std::size_t pending_bytes_ = 0;
  std::optional<VcId> vc_;
  std::string module_;
  bool released_ = false;
  bool closing_ = false;
};

task<void> ClientSession::run() {
  FrameReader reader(*stream_, cw::kMaxFrame);
  std::string error;
  {
    Timer deadline(s_.loop_);
    deadline.start(kCreateDeadline, [this] { stream_->close(); });
    auto first = co_await reader.next();
    deadline.cancel();
    if (!first)
      co_return;
    auto m = cw::decode_to_agent(*first, error);
    if (!m || !std::holds_alternative<ppp2p::detail::VcRequest>(*m)) {
      refuse(m ? "the first message must create a virtual computer" : error);
      co_return;
    }
    auto& request = std::get<ppp2p::detail::VcRequest>(*m);
    auto added = co_await s_.modules_.add_file(s_.loop_, request.module_path, error);
    if (!added) {
      refuse(error);
      co_return;
    }
    module_ = hex(added->hash);
    s_.log_("client asks for a VC of " + std::to_string(request.workers) + " worker(s), module " +
            request.module_path + " (" + module_.substr(0, 16) + ", " +
            std::to_string(added->size) + " bytes)");
    vc_ = s_.node_.create(std::move(request), {added->hash, added->size}, *this);
  }
  while (!closing_) {
    auto frame = co_await reader.next();
    if (!frame)
      break;
    auto m = cw::decode_to_agent(*frame, error);
    if (!m) {
      s_.log_("VC " + short_id(*vc_) + ": invalid frame from the client (" + error +
              "); releasing it");
      break;
    }
    if (!handle(std::move(*m)))
      break;
  }
  if (!closing_)
    s_.log_("VC " + short_id(*vc_) + ": released by its client");
  release();
  flush_timer_.cancel();
  stream_->close();
}

bool ClientSession::handle(cw::ToAgent&& m) {
  if (auto* spawns = std::get_if<std::vector<SpawnRequest>>(&m)) {
    for (SpawnRequest& r : *spawns) {
      if (r.snapshot || r.replay_through > 0)
        s_.log_("VC " + short_id(*vc_) + ": VT " + std::to_string(r.vt) + " resumes from " +
                (r.snapshot ? "its checkpoint at effect " + std::to_string(r.effect)
                            : std::string("its start, replaying its effects")) +
                (r.to.empty() ? "" : ", on " + r.to));
      s_.node_.spawn(*vc_, std::move(r));
    }
    return true;
  }
  if (auto* c = std::get_if<cw::Cancel>(&m)) {
    s_.node_.cancel(*vc_, c->vt);
    return true;
  }
  if (auto* t = std::get_if<cw::ToVt>(&m)) {
    s_.node_.to_vt(*vc_, t->vt, std::move(t->frame));
    return true;
  }
  if (auto* c = std::get_if<cw::Capture>(&m)) {
    s_.node_.capture(*vc_, c->vt);
    return true;
  }
  return false; // Release, or a second CreateVc
}

ClientServer::ClientServer(Loop& loop, VcNode& node, FileModuleStore& modules, Log log)
    : loop_(loop), node_(node), modules_(modules), log_(std::move(log)) {}

ClientServer::~ClientServer() = default;

Result<void> ClientServer::start(const std::string& path) {
  ::unlink(path.c_str()); // stale socket of an agent that was killed
  auto l = PipeListener::bind(loop_, path, 0600);
  if (!l)
    return l.error();
  listener_ = std::move(*l);
  scope_.spawn(net::accept_each(loop_, *listener_, [this](std::unique_ptr<Stream> stream) {
    scope_.spawn(serve(std::move(stream)));
  }));
  return {};
}

task<void> ClientServer::stop() {
  stopping_ = true;
  if (listener_)
    listener_->close();
  for (ClientSession* s : sessions_)
    s->close();
  co_await scope_.join();
}

task<void> ClientServer::serve(std::unique_ptr<Stream> stream) {
  auto session = std::make_shared<ClientSession>(*this, std::move(stream));
  sessions_.insert(session.get());
  co_await session->run();
  sessions_.erase(session.get());
}

} // namespace ppp2p::agent::vc
