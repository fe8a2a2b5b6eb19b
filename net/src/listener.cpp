#include "ppp2p/net/listener.hpp"

#include <uv.h>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/loop.hpp"
#include "ppp2p/net/timer.hpp"
#include "stream_state.hpp"

namespace ppp2p::net {

struct Listener::State {
  StreamHandle h;
  int pending = 0; // connections signalled but not yet accepted
  std::error_code error;
  AcceptAwaiter* waiter = nullptr;
  bool closing = false;
  int refs = 2;
};

namespace {

void on_connection(uv_stream_t* server, int status) {
  auto* s = static_cast<Listener::State*>(server->data);
  if (status < 0)
    s->error = uv_error(status);
  else
    ++s->pending;
  if (auto* w = std::exchange(s->waiter, nullptr))
    w->handle.resume();
}

void on_closed(uv_handle_t* h) {
  auto* s = static_cast<Listener::State*>(h->data);
  if (auto* w = std::exchange(s->waiter, nullptr))
    w->handle.resume();
  if (--s->refs == 0)
    delete s;
}

} // namespace

Listener::Listener(Loop& loop, bool tcp) : loop_(loop), state_(new State) {
  if (tcp)
    uv_tcp_init(loop.uv(), &state_->h.tcp);
  else
    uv_pipe_init(loop.uv(), &state_->h.pipe, 0);
  state_->h.handle.data = state_;
}

Listener::~Listener() {
  close();
  if (--state_->refs == 0)
    delete state_;
}

uv_stream_s* Listener::uv_stream() const noexcept {
  return &state_->h.stream;
}

Result<void> Listener::listen(int backlog) {
  return uv_error(uv_listen(&state_->h.stream, backlog, on_connection));
}

void Listener::close() noexcept {
  if (state_->closing)
    return;
  state_->closing = true;
  uv_close(&state_->h.handle, on_closed);
}

bool Listener::AcceptAwaiter::await_ready() const noexcept {
  State* s = listener->state_;
  return s->pending > 0 || s->error || s->closing;
}

void Listener::AcceptAwaiter::await_suspend(std::coroutine_handle<> h) noexcept {
  handle = h;
  listener->state_->waiter = this;
}

Result<std::unique_ptr<Stream>> Listener::AcceptAwaiter::await_resume() {
  State* s = listener->state_;
  if (s->closing)
    return errc::cancelled;
  if (s->pending == 0) {
    std::error_code ec = std::exchange(s->error, {});
    return ec ? ec : std::error_code(errc::cancelled);
  }
  --s->pending;
  std::unique_ptr<Stream> stream = listener->make_stream();
  if (int rc = uv_accept(&s->h.stream, stream->uv_stream()); rc != 0)
    return uv_error(rc);
  stream->mark_connected();
  listener->configure(*stream);
  return stream;
}

task<void> accept_each(Loop& loop, Listener& listener,
                       std::function<void(std::unique_ptr<Stream>)> on_stream) {
  for (;;) {
    auto s = co_await listener.accept();
    if (s) {
      on_stream(std::move(*s));
      continue;
    }
    if (s.error() == errc::cancelled)
      co_return;
    co_await sleep_for(loop, Millis{50});
  }
}

} // namespace ppp2p::net
