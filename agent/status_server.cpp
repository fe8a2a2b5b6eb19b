#include "status_server.hpp"

#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/frame.hpp"
#include "ppp2p/net/frame_reader.hpp"
#include "ppp2p/net/sync_wait.hpp"
#include "ppp2p/net/timer.hpp"

namespace ppp2p::agent {

using namespace ppp2p::net;

namespace {
constexpr Millis kStatusTimeout{5000};
constexpr std::size_t kMaxRequest = 1024;
} // namespace

Result<void> StatusServer::start(const std::string& path) {
  ::unlink(path.c_str()); // stale socket of an agent that was killed
  auto l = PipeListener::bind(loop_, path, 0600);
  if (!l)
    return l.error();
  listener_ = std::move(*l);
  scope_.spawn(accept_each(loop_, *listener_, [this](std::unique_ptr<Stream> stream) {
    scope_.spawn(serve(std::move(stream)));
  }));
  return {};
}

task<void> StatusServer::stop() {
  if (listener_)
    listener_->close();
  co_await scope_.join();
}

task<void> StatusServer::serve(std::unique_ptr<Stream> stream) {
  Timer deadline(loop_);
  deadline.start(kStatusTimeout, [&] { stream->close(); });
  FrameReader reader(*stream, kMaxRequest);
  auto request = co_await reader.next();
  if (!request || !is_status_request(*request))
    co_return;
  if (!stream->send(make_frame(encode_status_reply(snapshot_()))))
    co_return;
  (void)co_await stream->drained();
}

int run_status_command(const std::string& data_dir, bool json) {
  std::string path = (std::filesystem::path(data_dir) / "status.sock").string();
  Loop loop;
  auto ask = [](Loop& l, std::string p, std::string& error) -> task<std::optional<StatusView>> {
    auto stream = co_await PipeStream::connect(l, p);
    if (!stream) {
      auto ec = stream.error();
      if (ec == std::errc::no_such_file_or_directory || ec == std::errc::connection_refused)
        error = "no agent is running with this data dir (nothing answers on " + p + ")";
      else
        error = "cannot connect to " + p + ": " + ec.message();
      co_return std::nullopt;
    }
    Timer deadline(l);
    bool timed_out = false;
    deadline.start(kStatusTimeout, [&] {
      timed_out = true;
      (*stream)->close();
    });
    (void)(*stream)->send(make_frame(encode_status_request()));
    FrameReader reader(**stream, kMaxStatusFrame);
    auto reply = co_await reader.next();
    if (!reply) {
      error = timed_out ? "the agent did not answer within 5 s"
                        : "the agent closed the connection: " + reply.error().message();
      co_return std::nullopt;
    }
    auto view = decode_status_reply(*reply);
    if (!view)
      error = "the agent's answer is malformed";
    co_return view;
  };
  std::string error;
  auto view = sync_wait(loop, ask(loop, path, error));
  if (!view) {
    std::fprintf(stderr, "ppp2p-runtime status: %s\n", error.c_str());
    return 1;
  }
  std::string out = json ? status_json(*view) : status_table(*view);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

} // namespace ppp2p::agent
