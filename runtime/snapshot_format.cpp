#include "snapshot_format.hpp"

#include "snapshot_generated.h"

#include <ppp2p/errors.hpp>

#include <xxhash.h>

#include <algorithm>

#include <cstring>

namespace ppp2p::detail {
namespace {

constexpr char kMagic[8] = {'P', 'P', 'P', '2', 'P', 'S', 'N', 'P'};
constexpr std::size_t kHeaderSize = 32;
constexpr std::size_t kChecksumSize = 16;
// Sizes beyond this are refused before anything is allocated or walked.
constexpr std::uint64_t kMaxSectionSize = std::uint64_t(1) << 40;

void checksum(std::span<const std::byte> data, std::byte out[kChecksumSize]) {
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits(data.data(), data.size()));
  std::memcpy(out, canonical.digest, kChecksumSize);
}

template <class T> T read_le(const std::byte* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

template <class T> void write_le(std::byte* p, T v) {
  std::memcpy(p, &v, sizeof v);
}

std::size_t padded(std::uint64_t n) {
  return std::size_t((n + 7) & ~std::uint64_t(7));
}

std::string describe_size(std::uint64_t n) {
  return std::to_string(n) + " bytes";
}

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

SnapshotBuilder::SnapshotBuilder(std::size_t expected_size) : frames_(bytes_) {
  bytes_.reserve(std::max<std::size_t>(expected_size, 512));
  bytes_.resize(kHeaderSize);
}

std::vector<std::byte> SnapshotBuilder::finish(const std::string& root_return_type,
                                               const std::vector<FunctionRef>& functions,
                                               std::uint32_t frame_count,
                                               std::span<const std::byte> runtime_state,
                                               std::span<const std::byte> root_arguments) {
  std::uint64_t frames_size = bytes_.size() - kHeaderSize;
  bytes_.resize(kHeaderSize + padded(frames_size));

  flatbuffers::FlatBufferBuilder builder(512 + runtime_state.size() + root_arguments.size());
  auto state = builder.CreateVector(reinterpret_cast<const std::uint8_t*>(runtime_state.data()),
                                    runtime_state.size());
  auto arguments = builder.CreateVector(
      reinterpret_cast<const std::uint8_t*>(root_arguments.data()), root_arguments.size());
  std::vector<flatbuffers::Offset<wire::FunctionRef>> refs;
  refs.reserve(functions.size());
  for (const FunctionRef& f : functions)
    refs.push_back(
        wire::CreateFunctionRef(builder, f.id, f.fingerprint, builder.CreateString(f.name)));
  auto body = wire::CreateSnapshotBody(builder, builder.CreateString(this_platform()),
                                       builder.CreateString(root_return_type),
                                       builder.CreateVector(refs), frame_count, state, arguments);
  wire::FinishSnapshotBodyBuffer(builder, body);
  const auto* body_bytes = reinterpret_cast<const std::byte*>(builder.GetBufferPointer());
  bytes_.insert(bytes_.end(), body_bytes, body_bytes + builder.GetSize());

  std::memcpy(bytes_.data(), kMagic, sizeof kMagic);
  write_le<std::uint32_t>(bytes_.data() + 8, kSnapshotFormatVersion);
  write_le<std::uint32_t>(bytes_.data() + 12, 0);
  write_le<std::uint64_t>(bytes_.data() + 16, frames_size);
  write_le<std::uint64_t>(bytes_.data() + 24, builder.GetSize());
  std::byte sum[kChecksumSize];
  checksum(bytes_, sum);
  bytes_.insert(bytes_.end(), sum, sum + kChecksumSize);
  return std::move(bytes_);
}

std::vector<std::byte> encode_snapshot(const std::string& root_return_type,
                                       const std::vector<FunctionRef>& functions,
                                       std::uint32_t frame_count, std::span<const std::byte> frames,
                                       std::span<const std::byte> runtime_state,
                                       std::span<const std::byte> root_arguments) {
  SnapshotBuilder builder(kHeaderSize + frames.size() + 256);
  builder.frames().write(frames.data(), frames.size());
  return builder.finish(root_return_type, functions, frame_count, runtime_state, root_arguments);
}

SnapshotContents decode_snapshot(std::span<const std::byte> bytes) {
  if (bytes.empty())
    throw snapshot_error(errc::snapshot_truncated, "no bytes at all");
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    if (bytes.size() < sizeof kMagic && std::memcmp(bytes.data(), kMagic, bytes.size()) == 0)
      throw snapshot_error(errc::snapshot_truncated,
                           "only " + describe_size(bytes.size()) + " of the header");
    throw snapshot_error(errc::snapshot_foreign, "the data does not start with \"PPP2PSNP\"");
  }
  if (bytes.size() < kHeaderSize + kChecksumSize)
    throw snapshot_error(errc::snapshot_truncated,
                         describe_size(bytes.size()) + ", less than an empty snapshot");
  std::uint32_t version = read_le<std::uint32_t>(bytes.data() + 8);
  if (version != kSnapshotFormatVersion)
    throw snapshot_error(errc::snapshot_version, "format version " + std::to_string(version) +
                                                     ", this program reads " +
                                                     std::to_string(kSnapshotFormatVersion));
  std::uint64_t frames_size = read_le<std::uint64_t>(bytes.data() + 16);
  std::uint64_t body_size = read_le<std::uint64_t>(bytes.data() + 24);
  if (frames_size > kMaxSectionSize || body_size > kMaxSectionSize)
    throw snapshot_error(errc::snapshot_malformed, "header announces sections of " +
                                                       describe_size(frames_size) + " and " +
                                                       describe_size(body_size));
  std::uint64_t expected = kHeaderSize + padded(frames_size) + body_size + kChecksumSize;
  if (bytes.size() < expected)
    throw snapshot_error(errc::snapshot_truncated, "header announces " + describe_size(expected) +
                                                       ", got " + describe_size(bytes.size()));
  if (bytes.size() > expected)
    throw snapshot_error(errc::snapshot_malformed, describe_size(bytes.size() - expected) +
                                                       " after the " + describe_size(expected) +
                                                       " the header announces");

#ifndef PPP2P_FUZZING_SKIP_CHECKSUM
  std::byte sum[kChecksumSize];
  checksum(bytes.first(bytes.size() - kChecksumSize), sum);
  if (std::memcmp(sum, bytes.data() + bytes.size() - kChecksumSize, kChecksumSize) != 0)
    throw snapshot_error(errc::snapshot_corrupted, "XXH3-128 checksum does not match the contents");
#endif

  std::size_t body_offset = kHeaderSize + padded(frames_size);
  const auto* body_bytes = reinterpret_cast<const std::uint8_t*>(bytes.data() + body_offset);
  flatbuffers::Verifier verifier(body_bytes, std::size_t(body_size));
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
  out.frames = bytes.subspan(kHeaderSize, std::size_t(frames_size));
  if (body->runtime_state())
    out.runtime_state = std::span(reinterpret_cast<const std::byte*>(body->runtime_state()->data()),
                                  body->runtime_state()->size());
  if (body->root_arguments())
    out.root_arguments =
        std::span(reinterpret_cast<const std::byte*>(body->root_arguments()->data()),
                  body->root_arguments()->size());
  // Every frame takes at least two bytes (function and site indices).
  if (out.frames.size() / 2 < out.frame_count)
    throw snapshot_error(errc::snapshot_malformed, std::to_string(out.frame_count) +
                                                       " frames cannot fit in " +
                                                       describe_size(out.frames.size()));
  return out;
}

} // namespace ppp2p::detail
