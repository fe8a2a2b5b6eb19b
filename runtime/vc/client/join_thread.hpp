// join_or_detach: ends a helper thread from outside it. Joins it; when called on that very thread
// (its own job released the object that owns it), detaches it instead of deadlocking.
#pragma once

#include <thread>

namespace ppp2p::detail {

inline void join_or_detach(std::thread& thread) {
  if (!thread.joinable())
    return;
  if (thread.get_id() == std::this_thread::get_id())
    thread.detach();
  else
    thread.join();
}

} // namespace ppp2p::detail
