#include "vc/messages/message_frames.hpp"

#include "vc/framing/aligned_frame.hpp"

namespace ppp2p::detail::messages {
namespace {

Bytes finish(flatbuffers::FlatBufferBuilder& builder, wire::Body type,
             flatbuffers::Offset<void> body) {
  builder.Finish(wire::CreateFrame(builder, type, body), wire::FrameIdentifier());
  const auto* data = reinterpret_cast<const std::byte*>(builder.GetBufferPointer());
  return Bytes(data, data + builder.GetSize());
}

flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>>
vector_of(flatbuffers::FlatBufferBuilder& builder, std::span<const std::byte> bytes) {
  return builder.CreateVector(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

} // namespace

const wire::Frame* verify(std::span<const std::byte> frame, Bytes& storage) {
  frame = aligned_frame(frame, storage);
  const auto* data = reinterpret_cast<const std::uint8_t*>(frame.data());
  flatbuffers::Verifier verifier(data, frame.size(), /*max_depth=*/16, /*max_tables=*/1000);
  if (!verifier.VerifyBuffer<wire::Frame>(wire::FrameIdentifier()))
    return nullptr;
  const wire::Frame* root = flatbuffers::GetRoot<wire::Frame>(data);
  return root->body_type() == wire::Body::NONE ? nullptr : root;
}

Bytes send(std::uint64_t effect, VtId to, std::string_view type, std::span<const std::byte> value) {
  flatbuffers::FlatBufferBuilder builder(value.size() + 128);
  auto body =
      wire::CreateSend(builder, effect, to, builder.CreateString(type), vector_of(builder, value));
  return finish(builder, wire::Body::Send, body.Union());
}

Bytes consumed(std::uint64_t effect, VtId from, std::uint64_t message) {
  flatbuffers::FlatBufferBuilder builder(64);
  return finish(builder, wire::Body::Consumed,
                wire::CreateConsumed(builder, effect, from, message).Union());
}

Bytes consumed_run(std::uint64_t first, std::span<const std::pair<VtId, std::uint64_t>> taken) {
  if (taken.size() == 1)
    return consumed(first, taken[0].first, taken[0].second);
  flatbuffers::FlatBufferBuilder builder(64 + 16 * taken.size());
  std::vector<wire::Taken> entries;
  entries.reserve(taken.size());
  for (auto [from, message] : taken)
    entries.emplace_back(from, message);
  auto body = wire::CreateConsumedRun(builder, first, builder.CreateVectorOfStructs(entries));
  return finish(builder, wire::Body::ConsumedRun, body.Union());
}

Bytes missed(std::uint64_t first, std::uint64_t count) {
  flatbuffers::FlatBufferBuilder builder(64);
  return finish(builder, wire::Body::Missed, wire::CreateMissed(builder, first, count).Union());
}

Bytes global_request(std::uint64_t effect, wire::GlobalOp op, std::string_view name,
                     std::string_view type, const Bytes* value) {
  flatbuffers::FlatBufferBuilder builder((value ? value->size() : 0) + 128);
  auto name_offset = builder.CreateString(name);
  auto type_offset = builder.CreateString(type);
  flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>> value_offset;
  if (value)
    value_offset = vector_of(builder, *value);
  auto body =
      wire::CreateGlobalRequest(builder, effect, op, name_offset, type_offset, value_offset);
  return finish(builder, wire::Body::GlobalRequest, body.Union());
}

Bytes deliver(VtId from, std::uint64_t message, std::string_view type,
              std::span<const std::byte> value, std::uint64_t replay) {
  flatbuffers::FlatBufferBuilder builder(value.size() + 128);
  auto type_offset = builder.CreateString(type);
  auto body =
      wire::CreateDeliver(builder, from, message, type_offset, vector_of(builder, value), replay);
  return finish(builder, wire::Body::Deliver, body.Union());
}

Bytes replay_miss(std::uint64_t effect, std::uint64_t count) {
  flatbuffers::FlatBufferBuilder builder(64);
  return finish(builder, wire::Body::ReplayMiss,
                wire::CreateReplayMiss(builder, effect, count).Union());
}

Bytes global_reply(std::uint64_t effect, bool replay, const Bytes* value, std::string_view error,
                   int code) {
  flatbuffers::FlatBufferBuilder builder((value ? value->size() : 0) + 128);
  flatbuffers::Offset<flatbuffers::Vector<std::uint8_t>> value_offset;
  if (value)
    value_offset = vector_of(builder, *value);
  flatbuffers::Offset<flatbuffers::String> error_offset;
  if (!error.empty())
    error_offset = builder.CreateString(error);
  auto body = wire::CreateGlobalReply(builder, effect, replay, value_offset, error_offset, code);
  return finish(builder, wire::Body::GlobalReply, body.Union());
}

Bytes send_ack(std::uint64_t through) {
  flatbuffers::FlatBufferBuilder builder(64);
  return finish(builder, wire::Body::SendAck, wire::CreateSendAck(builder, through).Union());
}

std::span<const std::byte> bytes_of(const flatbuffers::Vector<std::uint8_t>* vector) {
  if (!vector)
    return {};
  return {reinterpret_cast<const std::byte*>(vector->data()), vector->size()};
}

std::string_view text_of(const flatbuffers::String* string) {
  return string ? std::string_view(string->c_str(), string->size()) : std::string_view();
}

} // namespace ppp2p::detail::messages
