// What a snapshot may name below a virtual call site (runtime/frame_encoding.cpp): any
// checkpointable function of the call's IR type (the vtable of an object not restored yet chose
// it), nothing else. Built from hand-made descriptors, as the pass would emit them.
#include "frame_encoding.hpp"
#include "snapshot_format.hpp"

#include <ppp2p/detail/frame_abi.hpp>
#include <ppp2p/errors.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using namespace ppp2p::detail;

constexpr std::uint64_t kCallType = 0x5151;  // the virtual call's signature
constexpr std::uint64_t kOtherType = 0x7272; // another IR type

// Stand-ins for the functions' addresses (nothing is called here).
const char some_function = 0;
const char other_function = 0;

// caller: one virtual call site; two callees, each with one checkpoint() site.
const SiteDescriptor caller_sites[] = {
    {std::uint32_t(SiteKind::virtual_call), 10, 5, 0, nullptr, kCallType, 24, 0}};
const SiteDescriptor callee_sites[] = {
    {std::uint32_t(SiteKind::checkpoint), 20, 3, 0, nullptr, 0, 0, 0}};

FunctionDescriptor descriptor(std::uint64_t id, const char* name, const SiteDescriptor* sites,
                              std::uint64_t signature, const void* function) {
  return FunctionDescriptor{kFrameAbiVersion, 0, id, id * 3, name,    name,     "l",      "t.cpp",
                            nullptr,          1, 32, sites,  nullptr, function, signature};
}

const FunctionDescriptor caller =
    descriptor(0x9e3701, "caller(Base&)", caller_sites, 1, &some_function);
const FunctionDescriptor same_type =
    descriptor(0x9e3702, "Derived::run(long)", callee_sites, kCallType, &some_function);
const FunctionDescriptor other_type =
    descriptor(0x9e3703, "unrelated(double)", callee_sites, kOtherType, &other_function);

struct Registered {
  Registered() {
    static const FunctionDescriptor* all[] = {&caller, &same_type, &other_type};
    __ppp2p_register(all, 3);
  }
} registered;

std::vector<std::byte> snapshot_of(const FunctionDescriptor& below) {
  std::vector<std::byte> frames;
  ppp2p::Writer out(frames);
  out.varint(0); // caller, at its site 0
  out.varint(0);
  out.varint(1); // `below`, at its site 0
  out.varint(0);
  return encode_snapshot("l",
                         {{caller.id, caller.fingerprint, caller.display_name},
                          {below.id, below.fingerprint, below.display_name}},
                         2, frames, {});
}

TEST(VirtualSiteRestore, AFunctionOfTheCallsTypeMayRunBelowIt) {
  std::vector<std::byte> bytes = snapshot_of(same_type);
  RestoreState state = plan_restore(decode_snapshot(bytes), "l", nullptr);
  ASSERT_EQ(state.frames.size(), 2u);
  EXPECT_EQ(state.frames[1].function, &same_type);
}

TEST(VirtualSiteRestore, AFunctionOfAnotherTypeBelowItIsAMalformedSnapshot) {
  std::vector<std::byte> bytes = snapshot_of(other_type);
  try {
    plan_restore(decode_snapshot(bytes), "l", nullptr);
    ADD_FAILURE() << "a snapshot calling unrelated(double) through a virtual call was accepted";
  } catch (const ppp2p::snapshot_error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::snapshot_malformed);
    std::string what = e.what();
    EXPECT_NE(what.find("cannot reach `unrelated(double)` by its virtual call at t.cpp:10:5"),
              std::string::npos)
        << what;
  }
}

} // namespace
