// Writer and Reader: the byte streams every codec writes to and reads from.
// A Reader never reads past its end: every shortfall throws ppp2p::snapshot_error.
#pragma once

#include <ppp2p/errors.hpp>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace ppp2p {

class Writer {
public:
  explicit Writer(std::vector<std::byte>& out) : out_(&out) {}

  void write(const void* data, std::size_t size) {
    if (size == 0)
      return; // data may be null (an empty container's data())
    auto* bytes = static_cast<const std::byte*>(data);
    out_->insert(out_->end(), bytes, bytes + size);
  }

  void varint(std::uint64_t value) {
    std::byte buffer[10];
    std::size_t n = 0;
    while (value >= 0x80) {
      buffer[n++] = std::byte(std::uint8_t(value) | 0x80);
      value >>= 7;
    }
    buffer[n++] = std::byte(value);
    write(buffer, n);
  }

  std::size_t size() const { return out_->size(); }
  std::vector<std::byte>& buffer() { return *out_; }

private:
  std::vector<std::byte>* out_;
};

class Reader {
public:
  Reader(const std::byte* data, std::size_t size) : pos_(data), end_(data + size) {}
  explicit Reader(std::span<const std::byte> bytes) : Reader(bytes.data(), bytes.size()) {}

  std::size_t remaining() const { return std::size_t(end_ - pos_); }
  const std::byte* position() const { return pos_; }

  void read(void* out, std::size_t size) {
    if (size == 0)
      return; // out may be null (an empty container's data())
    if (size > remaining())
      fail("value needs " + std::to_string(size) + " bytes but " + std::to_string(remaining()) +
           " remain");
    std::memcpy(out, pos_, size);
    pos_ += size;
  }

  std::span<const std::byte> take(std::size_t size) {
    if (size > remaining())
      fail("field needs " + std::to_string(size) + " bytes but " + std::to_string(remaining()) +
           " remain");
    std::span<const std::byte> out(pos_, size);
    pos_ += size;
    return out;
  }

  std::uint64_t varint() {
    std::uint64_t value = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (pos_ == end_)
        fail("varint runs past the end");
      auto byte = std::uint8_t(*pos_++);
      if (shift == 63 && byte > 1)
        fail("varint overflows 64 bits");
      value |= std::uint64_t(byte & 0x7f) << shift;
      if (!(byte & 0x80))
        return value;
    }
    fail("varint longer than 10 bytes");
  }

  /// A container's element count. Every encoded element takes at least `min_element_size`
  /// bytes, so a count that could not fit in what remains is refused before anything is
  /// allocated.
  std::size_t count(std::size_t min_element_size = 1) {
    std::uint64_t n = varint();
    if (min_element_size != 0 && n > remaining() / min_element_size)
      fail("count " + std::to_string(n) + " exceeds the " + std::to_string(remaining()) +
           " bytes that remain");
    return std::size_t(n);
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw snapshot_error(errc::decode_failed, what);
  }

private:
  const std::byte* pos_;
  const std::byte* end_;
};

} // namespace ppp2p
