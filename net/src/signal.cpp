#include "ppp2p/net/signal.hpp"

#include <uv.h>

#include "ppp2p/net/loop.hpp"

namespace ppp2p::net {

struct Signal::State {
  uv_signal_t handle;
  std::function<void(int)> fn;
};

Signal::Signal(Loop& loop, int signum, std::function<void(int)> fn) : state_(new State) {
  state_->fn = std::move(fn);
  uv_signal_init(loop.uv(), &state_->handle);
  state_->handle.data = state_;
  uv_signal_start(
      &state_->handle,
      [](uv_signal_t* h, int sig) {
        auto* s = static_cast<State*>(h->data);
        if (s->fn)
          s->fn(sig);
      },
      signum);
}

Signal::~Signal() {
  state_->fn = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(&state_->handle),
           [](uv_handle_t* h) { delete static_cast<State*>(h->data); });
}

void Signal::stop() noexcept {
  uv_signal_stop(&state_->handle);
}
void Signal::unref() noexcept {
  uv_unref(reinterpret_cast<uv_handle_t*>(&state_->handle));
}

} // namespace ppp2p::net
