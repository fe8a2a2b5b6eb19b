#include "ppp2p/net/pipe.hpp"

#include <sys/stat.h>
#include <sys/un.h>
#include <uv.h>

#include "connect_awaiter.hpp"
#include "ppp2p/net/error.hpp"
#include "ppp2p/net/loop.hpp"

namespace ppp2p::net {

namespace {

bool fits_sun_path(const std::string& path) {
  return path.size() < sizeof(sockaddr_un{}.sun_path);
}

} // namespace

task<Result<std::unique_ptr<PipeStream>>> PipeStream::connect(Loop& loop, std::string path) {
  if (!fits_sun_path(path))
    co_return uv_error(UV_ENAMETOOLONG);
  auto stream = std::make_unique<PipeStream>(loop);
  auto* pipe = reinterpret_cast<uv_pipe_t*>(stream->uv_stream());
  int status = co_await detail::ConnectAwaiter{[&](uv_connect_t* req, uv_connect_cb cb) {
    uv_pipe_connect(req, pipe, path.c_str(), cb);
    return 0;
  }};
  if (status != 0)
    co_return uv_error(status);
  stream->mark_connected();
  co_return stream;
}

Result<std::unique_ptr<PipeStream>> PipeStream::open(Loop& loop, int fd) {
  auto stream = std::make_unique<PipeStream>(loop);
  auto* pipe = reinterpret_cast<uv_pipe_t*>(stream->uv_stream());
  if (int rc = uv_pipe_open(pipe, fd); rc != 0)
    return uv_error(rc);
  stream->mark_connected();
  return stream;
}

Result<std::unique_ptr<PipeListener>> PipeListener::bind(Loop& loop, const std::string& path,
                                                         unsigned mode, int backlog) {
  if (!fits_sun_path(path)) // libuv would silently truncate the path
    return uv_error(UV_ENAMETOOLONG);
  std::unique_ptr<PipeListener> l(new PipeListener(loop));
  auto* pipe = reinterpret_cast<uv_pipe_t*>(l->uv_stream());
  if (int rc = uv_pipe_bind(pipe, path.c_str()); rc != 0)
    return uv_error(rc);
  if (::chmod(path.c_str(), mode) != 0)
    return std::error_code(errno, std::system_category());
  if (auto r = l->listen(backlog); !r)
    return r.error();
  return l;
}

std::unique_ptr<Stream> PipeListener::make_stream() {
  return std::make_unique<PipeStream>(loop_);
}

} // namespace ppp2p::net
