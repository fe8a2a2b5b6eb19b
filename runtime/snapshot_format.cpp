#include "snapshot_format.hpp"

#include "snapshot_generated.h"

#include <ppp2p/errors.hpp>

#include <sodium.h>

#include <cstring>

namespace ppp2p::detail {
namespace {

constexpr char kMagic[8] = {'P', 'P', 'P', '2', 'P', 'S', 'N', 'P'};
constexpr std::size_t kHeaderSize = 16;
constexpr std::size_t kChecksumSize = 16;
// Bodies beyond this are refused before the verifier walks them.
constexpr std::size_t kMaxBodySize = std::size_t(1) << 32;

void checksum(std::span<const std::byte> data, unsigned char out[kChecksumSize]) {
  crypto_generichash(out, kChecksumSize, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(), nullptr, 0);
}

std::uint32_t read_u32(const std::byte* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

void write_u32(std::byte* p, std::uint32_t v) { std::memcpy(p, &v, 4); }

std::string describe_size(std::size_t n) { return std::to_string(n) + " bytes"; }

} // namespace

const char* this_platform() noexcept {
#if defined(__x86_64__) && defined(__linux__)
  return "x86_64-linux itanium-c++ frame-abi-1";
#elif defined(__aarch64__) && defined(__linux__)
  return "aarch64-linux itanium-c++ frame-abi-1";
#else
  return "unknown-platform frame-abi-1";
#endif
}

std::vector<std::byte> encode_snapshot(const std::string& root_return_type,
                                       const std::vector<FunctionRef>& functions,
                                       std::uint32_t frame_count,
                                       std::span<const std::byte> frames,
                                       std::span<const std::byte> runtime_state) {
  flatbuffers::FlatBufferBuilder builder(1024 + frames.size());
  auto frames_offset =
      builder.CreateVector(reinterpret_cast<const std::uint8_t*>(frames.data()), frames.size());
  auto state_offset = builder.CreateVector(
      reinterpret_cast<const std::uint8_t*>(runtime_state.data()), runtime_state.size());
  std::vector<flatbuffers::Offset<wire::FunctionRef>> refs;
  refs.reserve(functions.size());
  for (const FunctionRef& f : functions)
    refs.push_back(
        wire::CreateFunctionRef(builder, f.id, f.fingerprint, builder.CreateString(f.name)));
  auto body = wire::CreateSnapshotBody(
      builder, builder.CreateString(this_platform()), builder.CreateString(root_return_type),
      builder.CreateVector(refs), frame_count, frames_offset, state_offset);
  wire::FinishSnapshotBodyBuffer(builder, body);

  std::size_t body_size = builder.GetSize();
  std::vector<std::byte> out(kHeaderSize + body_size + kChecksumSize);
  std::memcpy(out.data(), kMagic, sizeof kMagic);
  write_u32(out.data() + 8, kSnapshotFormatVersion);
  write_u32(out.data() + 12, std::uint32_t(body_size));
  std::memcpy(out.data() + kHeaderSize, builder.GetBufferPointer(), body_size);
  checksum(std::span(out).first(kHeaderSize + body_size),
           reinterpret_cast<unsigned char*>(out.data() + kHeaderSize + body_size));
  return out;
}

SnapshotContents decode_snapshot(std::span<const std::byte> bytes) {
  if (bytes.empty())
    throw snapshot_error(errc::snapshot_truncated, "no bytes at all");
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    if (bytes.size() < sizeof kMagic &&
        std::memcmp(bytes.data(), kMagic, bytes.size()) == 0)
      throw snapshot_error(errc::snapshot_truncated,
                           "only " + describe_size(bytes.size()) + " of the header");
    throw snapshot_error(errc::snapshot_foreign, "the data does not start with \"PPP2PSNP\"");
  }
  if (bytes.size() < kHeaderSize + kChecksumSize)
    throw snapshot_error(errc::snapshot_truncated,
                         describe_size(bytes.size()) + ", less than an empty snapshot");
  std::uint32_t version = read_u32(bytes.data() + 8);
  if (version != kSnapshotFormatVersion)
    throw snapshot_error(errc::snapshot_version,
                         "format version " + std::to_string(version) + ", this program reads " +
                             std::to_string(kSnapshotFormatVersion));
  std::size_t body_size = read_u32(bytes.data() + 12);
  std::size_t expected = kHeaderSize + body_size + kChecksumSize;
  if (body_size > kMaxBodySize || bytes.size() < expected)
    throw snapshot_error(errc::snapshot_truncated, "header announces " + describe_size(expected) +
                                                       ", got " + describe_size(bytes.size()));
  if (bytes.size() > expected)
    throw snapshot_error(errc::snapshot_malformed,
                         std::to_string(bytes.size() - expected) + " trailing bytes after the " +
                             describe_size(expected) + " the header announces");

#ifndef PPP2P_FUZZING_SKIP_CHECKSUM
  unsigned char sum[kChecksumSize];
  checksum(bytes.first(kHeaderSize + body_size), sum);
  if (std::memcmp(sum, bytes.data() + kHeaderSize + body_size, kChecksumSize) != 0)
    throw snapshot_error(errc::snapshot_corrupted, "BLAKE2b checksum does not match the contents");
#endif

  const auto* body_bytes = reinterpret_cast<const std::uint8_t*>(bytes.data() + kHeaderSize);
  flatbuffers::Verifier verifier(body_bytes, body_size);
  if (!wire::VerifySnapshotBodyBuffer(verifier))
    throw snapshot_error(errc::snapshot_malformed, "the body fails FlatBuffers verification");
  const wire::SnapshotBody* body = wire::GetSnapshotBody(body_bytes);

  SnapshotContents out;
  out.platform = body->platform() ? body->platform()->str() : "";
  if (out.platform != this_platform())
    throw snapshot_error(errc::snapshot_platform,
                         "made on \"" + out.platform + "\", this is \"" + this_platform() + "\"");
  out.root_return_type = body->root_return_type() ? body->root_return_type()->str() : "";
  if (body->functions())
    for (const wire::FunctionRef* f : *body->functions())
      out.functions.push_back(
          {f->id(), f->fingerprint(), f->name() ? f->name()->str() : std::string("?")});
  out.frame_count = body->frame_count();
  if (out.frame_count == 0)
    throw snapshot_error(errc::snapshot_malformed, "the snapshot holds no frames");
  if (body->frames())
    out.frames = std::span(reinterpret_cast<const std::byte*>(body->frames()->data()),
                           body->frames()->size());
  if (body->runtime_state())
    out.runtime_state =
        std::span(reinterpret_cast<const std::byte*>(body->runtime_state()->data()),
                  body->runtime_state()->size());
  // Every frame takes at least two bytes (function and site indices).
  if (out.frames.size() / 2 < out.frame_count)
    throw snapshot_error(errc::snapshot_malformed,
                         std::to_string(out.frame_count) + " frames cannot fit in " +
                             describe_size(out.frames.size()));
  return out;
}

} // namespace ppp2p::detail
