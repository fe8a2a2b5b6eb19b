// run_in_pool: runs a blocking function (hashing a large file, say) on libuv's thread pool, so
// that the loop keeps serving links and membership meanwhile; the awaiting coroutine resumes
// on the loop when it is done. fn must not touch what the loop's thread uses.
#pragma once

#include <functional>

#include "ppp2p/net/task.hpp"

namespace ppp2p::net {

class Loop;

task<void> run_in_pool(Loop& loop, std::function<void()> fn);

} // namespace ppp2p::net
