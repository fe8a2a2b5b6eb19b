// Pointers live across a site that point where no snapshot can follow: the capture fails with
// an error naming the variable and where it points, instead of a pointer dangling after a
// resume. (What does move is in the oracle: references_in_place.)
#include <ppp2p/ppp2p.hpp>
#include <ppp2p/testing.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

[[ppp2p::process_local]] int counters[4];
[[ppp2p::process_local]] std::vector<long> cache(16, 1);

int* counter_for(int i) {
  return &counters[i % 4];
}
long* cached(int i) {
  return cache.data() + i % 16;
}

[[ppp2p::checkpointable]] int bump(int n) {
  int* counter = counter_for(n); // not visible to the compiler: refused at capture
  ppp2p::checkpoint();
  return ++*counter;
}

[[ppp2p::checkpointable]] long peek(int n) {
  long* entry = cached(n);
  ppp2p::checkpoint();
  return *entry;
}

std::string capture_error(auto fn, int arg) {
  try {
    ppp2p::testing::record(fn, arg);
  } catch (const ppp2p::error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::capture_failed);
    return e.what();
  }
  return "no error";
}

} // namespace

TEST(PointerCapture, APointerIntoAMutableGlobalFailsTheCaptureNamingTheVariable) {
  std::string what = capture_error(bump, 2);
  EXPECT_NE(what.find("`counter` (int *) in `"), std::string::npos) << what;
  EXPECT_NE(what.find("bump(int)"), std::string::npos) << what;
  EXPECT_NE(what.find("a mutable global variable"), std::string::npos) << what;
}

TEST(PointerCapture, APointerIntoMemoryNoFrameHoldsFailsTheCaptureNamingTheVariable) {
  std::string what = capture_error(peek, 5);
  EXPECT_NE(what.find("`entry` (long *)"), std::string::npos) << what;
  EXPECT_NE(what.find("the heap"), std::string::npos) << what;
}
