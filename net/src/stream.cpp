#include "ppp2p/net/stream.hpp"

#include <algorithm>
#include <cstring>

#include "ppp2p/net/error.hpp"
#include "ppp2p/net/loop.hpp"
#include "stream_state.hpp"

namespace ppp2p::net {

namespace {

constexpr std::size_t kReadChunk = 64 * 1024;
constexpr std::size_t kShrinkAbove = 1024 * 1024;

using State = Stream::State;

State* state_of(uv_handle_t* h) {
  return static_cast<State*>(h->data);
}

void on_alloc(uv_handle_t* h, std::size_t, uv_buf_t* buf) {
  State* s = state_of(h);
  if (s->rx_begin == s->rx_end) {
    s->rx_begin = s->rx_end = 0;
    if (s->rx.size() > kShrinkAbove)
      Bytes().swap(s->rx);
  }
  if (s->rx.size() - s->rx_end < kReadChunk) {
    if (s->rx_begin > 0) {
      std::memmove(s->rx.data(), s->rx.data() + s->rx_begin, s->buffered());
      s->rx_end -= s->rx_begin;
      s->rx_begin = 0;
    }
    if (s->rx.size() - s->rx_end < kReadChunk)
      s->rx.resize(s->rx_end + kReadChunk);
  }
  *buf = uv_buf_init(reinterpret_cast<char*>(s->rx.data() + s->rx_end),
                     static_cast<unsigned>(s->rx.size() - s->rx_end));
}

void wake_reader(State* s) {
  if (auto* r = std::exchange(s->reader, nullptr))
    r->handle.resume(); // must stay the last use of s: the reader may close the stream
}

void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t*) {
  State* s = state_of(reinterpret_cast<uv_handle_t*>(stream));
  if (nread > 0) {
    s->rx_end += static_cast<std::size_t>(nread);
  } else if (nread == UV_EOF) {
    s->eof = true;
  } else if (nread < 0) {
    s->read_error = uv_error(static_cast<int>(nread));
  }
  s->update_reading();
  if (s->reader && (s->buffered() >= s->reader->want || s->eof || s->read_error))
    wake_reader(s);
}

void on_closed(uv_handle_t* h) {
  State* s = state_of(h);
  // Waiters resume here, from the loop; they see errc::cancelled.
  if (auto* d = std::exchange(s->drainer, nullptr))
    d->handle.resume();
  wake_reader(s);
  if (--s->refs == 0)
    delete s;
}

struct WriteReq {
  uv_write_t req;
  std::vector<Bytes> buffers;
  std::size_t bytes = 0;
  State* state;
};

void on_written(uv_write_t* req, int status);

// Hands buffers (already counted in s->queued) to libuv as one write; libuv writes at once
// if the socket takes it.
void start_write(State* s, std::vector<Bytes> buffers, std::size_t bytes) {
  auto* w = new WriteReq{{}, std::move(buffers), bytes, s};
  w->req.data = w;
  std::vector<uv_buf_t> bufs;
  bufs.reserve(w->buffers.size());
  for (Bytes& b : w->buffers)
    bufs.push_back(uv_buf_init(reinterpret_cast<char*>(b.data()), static_cast<unsigned>(b.size())));
  if (int rc = uv_write(&w->req, &s->h.stream, bufs.data(), static_cast<unsigned>(bufs.size()),
                        on_written);
      rc != 0) {
    s->queued -= w->bytes;
    delete w;
    s->write_error = uv_error(rc);
    return;
  }
  ++s->writes_in_flight;
}

void on_written(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  State* s = w->state;
  s->queued -= w->bytes;
  --s->writes_in_flight;
  delete w;
  if (status < 0 && !s->write_error)
    s->write_error = uv_error(status);
  if (s->writes_in_flight == 0 && !s->cork.empty()) {
    std::vector<Bytes> cork = std::exchange(s->cork, {});
    std::size_t bytes = std::exchange(s->cork_bytes, 0);
    if (s->write_error || s->closing)
      s->queued -= bytes;
    else
      start_write(s, std::move(cork), bytes);
  }
  if (s->drainer && (s->queued <= s->drainer->low_water || s->write_error) && !s->closing)
    std::exchange(s->drainer, nullptr)->handle.resume();
}

} // namespace

void Stream::State::update_reading() noexcept {
  bool want_bytes =
      reader ? buffered() < std::max(reader->want, read_ahead) : buffered() < read_ahead;
  bool should = connected && !closing && !eof && !read_error && want_bytes;
  if (should && !reading) {
    if (int rc = uv_read_start(&h.stream, on_alloc, on_read); rc != 0)
      read_error = uv_error(rc);
    else
      reading = true;
  } else if (!should && reading) {
    uv_read_stop(&h.stream);
    reading = false;
  }
}

Stream::Stream(Loop& loop, Kind kind) : state_(new State) {
  if (kind == Kind::tcp)
    uv_tcp_init(loop.uv(), &state_->h.tcp);
  else
    uv_pipe_init(loop.uv(), &state_->h.pipe, 0);
  state_->h.handle.data = state_;
}

Stream::~Stream() {
  close();
  if (--state_->refs == 0)
    delete state_;
}

uv_stream_s* Stream::uv_stream() const noexcept {
  return &state_->h.stream;
}

void Stream::mark_connected() noexcept {
  state_->connected = true;
  state_->update_reading();
}

bool Stream::FillAwaiter::await_ready() const noexcept {
  return state->buffered() >= want || state->eof || state->read_error || state->closing;
}

bool Stream::FillAwaiter::await_suspend(std::coroutine_handle<> h) noexcept {
  handle = h;
  state->reader = this;
  state->update_reading();
  if (state->read_error) { // reading could not start: do not suspend
    state->reader = nullptr;
    return false;
  }
  return true;
}

Result<void> Stream::FillAwaiter::await_resume() const noexcept {
  if (state->buffered() >= want)
    return {};
  if (state->closing)
    return errc::cancelled;
  if (state->read_error)
    return state->read_error;
  return errc::connection_closed;
}

ByteView Stream::buffered() const noexcept {
  return {state_->rx.data() + state_->rx_begin, state_->buffered()};
}

void Stream::consume(std::size_t n) noexcept {
  state_->rx_begin += std::min(n, state_->buffered());
  state_->update_reading();
}

void Stream::set_read_ahead(std::size_t bytes) noexcept {
  state_->read_ahead = bytes;
  state_->update_reading();
}

Result<void> Stream::send(Bytes bytes) {
  State* s = state_;
  if (s->closing)
    return errc::cancelled;
  if (s->write_error)
    return s->write_error;
  if (bytes.empty())
    return {};
  std::size_t n = bytes.size();
  s->queued += n;
  if (s->writes_in_flight == 0) {
    std::vector<Bytes> one;
    one.push_back(std::move(bytes));
    start_write(s, std::move(one), n);
    if (s->write_error)
      return s->write_error;
    return {};
  }
  // A write is in flight (the socket is busy, or its completion has not been reported yet):
  // gather what follows, written with one writev when it completes. Many small frames then
  // cost one system call instead of one each, and a lone frame is never delayed.
  s->cork.push_back(std::move(bytes));
  s->cork_bytes += n;
  return {};
}

std::size_t Stream::queued_bytes() const noexcept {
  return state_->queued;
}

bool Stream::DrainAwaiter::await_ready() const noexcept {
  return state->queued <= low_water || state->write_error || state->closing;
}

void Stream::DrainAwaiter::await_suspend(std::coroutine_handle<> h) noexcept {
  handle = h;
  state->drainer = this;
}

Result<void> Stream::DrainAwaiter::await_resume() const noexcept {
  if (state->write_error)
    return state->write_error;
  if (state->closing)
    return errc::cancelled;
  return {};
}

void Stream::close() noexcept {
  State* s = state_;
  if (s->closing)
    return;
  s->closing = true;
  if (s->reading) {
    uv_read_stop(&s->h.stream);
    s->reading = false;
  }
  uv_close(&s->h.handle, on_closed);
}

bool Stream::is_open() const noexcept {
  return !state_->closing;
}

} // namespace ppp2p::net
