// A class with two polymorphic bases whose checkpointable override of the second base's
// function is inline, used by two translation units: split_worker_direct.cpp calls it directly
// (so it emits the function and its descriptor, but no vtable and no thunk) and is linked
// first, so its descriptor is the one the runtime keeps; virtual_calls_test.cpp calls it
// through the second base, by the thunk only that unit emits.
#pragma once

#include <ppp2p/ppp2p.hpp>

struct SplitNamed {
  virtual ~SplitNamed() = default;
  virtual long tag() const { return 3; }
};

struct SplitRunner {
  virtual ~SplitRunner() = default;
  [[ppp2p::checkpointable]] virtual long run(long from) = 0;
};

struct SplitWorker : SplitNamed, SplitRunner {
  long run(long from) override {
    for (int i = 0; i < 5; ++i) {
      from = from * 7 + tag() + i;
      ppp2p::checkpoint();
    }
    return from % 1000003;
  }
};

/// Calls SplitWorker::run directly (not through a vtable).
long run_split_worker_directly(SplitWorker& worker, long from);
