// Unix domain sockets: connected streams and listeners bound to a path.
#pragma once

#include <memory>
#include <string>

#include "ppp2p/net/listener.hpp"
#include "ppp2p/net/stream.hpp"
#include "ppp2p/net/task.hpp"

namespace ppp2p::net {

class PipeStream final : public Stream {
public:
  explicit PipeStream(Loop& loop) : Stream(loop, Kind::pipe) {}
  static task<Result<std::unique_ptr<PipeStream>>> connect(Loop& loop, std::string path);
  // Wraps a connected socket (e.g. one end of a socketpair); the stream owns fd from now on.
  static Result<std::unique_ptr<PipeStream>> open(Loop& loop, int fd);
};

class PipeListener final : public Listener {
public:
  // Binds to path (which must not exist), sets its mode (default: owner only) and listens.
  // Fails with UV_ENAMETOOLONG for paths longer than the kernel's limit (about 107 bytes).
  static Result<std::unique_ptr<PipeListener>> bind(Loop& loop, const std::string& path,
                                                    unsigned mode = 0600, int backlog = 16);

private:
  explicit PipeListener(Loop& loop) : Listener(loop, false) {}
  std::unique_ptr<Stream> make_stream() override;
};

} // namespace ppp2p::net
