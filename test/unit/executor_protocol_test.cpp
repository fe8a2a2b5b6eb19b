// The executor link's messages (runtime/vc/executor/executor_protocol.hpp): every command and event
// survives encode + decode, and what is not a valid frame is refused with a reason.
#include "vc/executor/executor_protocol.hpp"

#include "executor_generated.h"

#include <gtest/gtest.h>

#include <cstring>

namespace wire = ppp2p::detail::executor_wire;
using ppp2p::detail::VtEvent;

namespace {

wire::Bytes bytes(std::initializer_list<int> values) {
  wire::Bytes out;
  for (int v : values)
    out.push_back(std::byte(v));
  return out;
}

wire::Command round_trip(const wire::Command& command) {
  std::string error;
  auto decoded = wire::decode_command(wire::encode(command), error);
  EXPECT_TRUE(decoded) << error;
  return decoded.value_or(wire::Shutdown{});
}

VtEvent round_trip(const VtEvent& event) {
  std::string error;
  auto decoded = wire::decode_event(wire::encode(wire::Event{event}), error);
  EXPECT_TRUE(decoded) << error;
  if (!decoded || !std::holds_alternative<VtEvent>(*decoded))
    return {};
  return std::get<VtEvent>(*decoded);
}

} // namespace

TEST(ExecutorProtocol, EveryCommandSurvivesEncodeAndDecode) {
  wire::Run run{7, 4096, 8192, bytes({1, 2, 3}), bytes({9, 8}), 11, 13};
  auto back = std::get<wire::Run>(round_trip(run));
  EXPECT_EQ(back.vt, 7u);
  EXPECT_EQ(back.entry, 4096u);
  EXPECT_EQ(back.function, 8192u);
  EXPECT_EQ(back.args, run.args);
  ASSERT_TRUE(back.snapshot);
  EXPECT_EQ(*back.snapshot, *run.snapshot);
  EXPECT_EQ(back.effect, 11u);
  EXPECT_EQ(back.replay_through, 13u);

  auto fresh = std::get<wire::Run>(round_trip(wire::Run{1, 2, 3, {}, std::nullopt, 0, 0}));
  EXPECT_FALSE(fresh.snapshot);
  EXPECT_TRUE(fresh.args.empty());

  EXPECT_EQ(std::get<wire::Cancel>(round_trip(wire::Cancel{5})).vt, 5u);
  EXPECT_EQ(std::get<wire::Capture>(round_trip(wire::Capture{6})).vt, 6u);
  auto to = std::get<wire::ToVt>(round_trip(wire::ToVt{8, bytes({4, 5})}));
  EXPECT_EQ(to.vt, 8u);
  EXPECT_EQ(to.frame, bytes({4, 5}));
  EXPECT_TRUE(std::holds_alternative<wire::Shutdown>(round_trip(wire::Shutdown{})));
}

TEST(ExecutorProtocol, EveryEventSurvivesEncodeAndDecode) {
  std::string error;
  auto started = wire::decode_event(wire::encode(wire::Event{wire::Started{4321, 3}}), error);
  ASSERT_TRUE(started) << error;
  EXPECT_EQ(std::get<wire::Started>(*started).pid, 4321);
  EXPECT_EQ(std::get<wire::Started>(*started).slots, 3u);

  VtEvent result{.kind = VtEvent::Kind::result, .vt = 2, .value = bytes({1})};
  EXPECT_EQ(round_trip(result).value, bytes({1}));

  for (auto kind :
       {VtEvent::Failure::exception, VtEvent::Failure::cancelled, VtEvent::Failure::refused}) {
    VtEvent failure{.kind = VtEvent::Kind::failure, .failure = kind, .vt = 3};
    failure.type = "std::runtime_error";
    failure.what = "boom";
    VtEvent back = round_trip(failure);
    EXPECT_EQ(back.kind, VtEvent::Kind::failure);
    EXPECT_EQ(back.failure, kind);
    EXPECT_EQ(back.type, "std::runtime_error");
    EXPECT_EQ(back.what, "boom");
  }

  VtEvent partial{.kind = VtEvent::Kind::partial, .vt = 4, .value = bytes({2}), .effect = 9};
  partial.type = "i";
  VtEvent back = round_trip(partial);
  EXPECT_EQ(back.kind, VtEvent::Kind::partial);
  EXPECT_EQ(back.type, "i");
  EXPECT_EQ(back.effect, 9u);

  VtEvent checkpoint{
      .kind = VtEvent::Kind::checkpoint, .vt = 5, .value = bytes({3, 4}), .effect = 21};
  back = round_trip(checkpoint);
  EXPECT_EQ(back.kind, VtEvent::Kind::checkpoint);
  EXPECT_EQ(back.value, bytes({3, 4}));
  EXPECT_EQ(back.effect, 21u);

  EXPECT_EQ(round_trip(VtEvent{.kind = VtEvent::Kind::message_frame, .vt = 6}).kind,
            VtEvent::Kind::message_frame);
  EXPECT_EQ(round_trip(VtEvent{.kind = VtEvent::Kind::blocked, .vt = 6}).kind,
            VtEvent::Kind::blocked);
  EXPECT_EQ(round_trip(VtEvent{.kind = VtEvent::Kind::unblocked, .vt = 6}).kind,
            VtEvent::Kind::unblocked);
}

TEST(ExecutorProtocol, AFrameAtAnyAlignmentDecodes) {
  // Frames read from a stream sit at any offset.
  wire::Bytes frame = wire::encode(wire::ToVt{3, bytes({1, 2, 3})});
  wire::Bytes shifted(frame.size() + 1);
  std::memcpy(shifted.data() + 1, frame.data(), frame.size());
  std::string error;
  auto decoded = wire::decode_command(std::span(shifted).subspan(1), error);
  ASSERT_TRUE(decoded) << error;
  EXPECT_EQ(std::get<wire::ToVt>(*decoded).frame, bytes({1, 2, 3}));
}

TEST(ExecutorProtocol, WhatIsNotAValidFrameIsRefusedWithAReason) {
  std::string error;
  EXPECT_FALSE(wire::decode_command(bytes({1, 2, 3}), error));
  EXPECT_EQ(error, "an invalid command frame");
  error.clear();
  EXPECT_FALSE(wire::decode_event(bytes({0, 0, 0, 0, 0, 0, 0, 0}), error));
  EXPECT_EQ(error, "an invalid event frame");

  // An event is not a command, nor a command an event.
  error.clear();
  EXPECT_FALSE(wire::decode_command(wire::encode(wire::Event{wire::Started{1, 1}}), error));
  EXPECT_FALSE(error.empty());

  // A failure kind the link does not define (the peer's verdicts are not the executor's).
  flatbuffers::FlatBufferBuilder fbb;
  namespace fb = ppp2p::wire::executor;
  fbb.Finish(fb::CreateFromExecutor(
      fbb, fb::Event::Failure,
      fb::CreateFailureDirect(fbb, 1, static_cast<fb::FailureKind>(5), "", "").Union()));
  error.clear();
  EXPECT_FALSE(wire::decode_event(
      {reinterpret_cast<const std::byte*>(fbb.GetBufferPointer()), fbb.GetSize()}, error));
  EXPECT_EQ(error, "a failure of an unknown kind");

  error.clear();
  EXPECT_FALSE(wire::decode_event(wire::encode(wire::Event{wire::Started{0, 1}}), error));
  EXPECT_EQ(error, "Started without a process id or slots");

  // Over the link's limit.
  wire::Bytes huge(wire::kMaxFrame + 1);
  error.clear();
  EXPECT_FALSE(wire::decode_command(huge, error));
}

TEST(ExecutorProtocol, AnExecutorDoesNotSendADeployersSuggestion) {
  EXPECT_THROW(wire::encode(wire::Event{VtEvent{.kind = VtEvent::Kind::rebalance}}),
               std::invalid_argument);
}
