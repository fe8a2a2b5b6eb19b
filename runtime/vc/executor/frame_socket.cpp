#include "vc/executor/frame_socket.hpp"

#include "vc/framing/blocking_socket.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace ppp2p::detail {

namespace bs = blocking_socket;

FrameSocket::~FrameSocket() {
  close();
}

void FrameSocket::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

bool FrameSocket::send(std::span<const std::byte> payload) {
  if (payload.size() > executor_wire::kMaxFrame)
    return false;
  std::lock_guard lock(write_mutex_);
  if (!corked_)
    return bs::send_frame(fd_, payload);
  auto header = bs::frame_header(std::uint32_t(payload.size()));
  out_.insert(out_.end(), header.begin(), header.end());
  out_.insert(out_.end(), payload.begin(), payload.end());
  return out_.size() < kCorkedBytes || write_out_locked();
}

bool FrameSocket::write_out_locked() {
  bool sent = out_.empty() || bs::send_all(fd_, out_);
  out_.clear();
  return sent;
}

void FrameSocket::cork() {
  std::lock_guard lock(write_mutex_);
  corked_ = true;
}

bool FrameSocket::uncork() {
  std::lock_guard lock(write_mutex_);
  corked_ = false;
  return write_out_locked();
}

std::optional<std::uint32_t> FrameSocket::next_frame_length() const {
  if (pending_.size() - pending_at_ < bs::kFrameHeader)
    return std::nullopt;
  return bs::frame_length(std::span<const std::byte, bs::kFrameHeader>(
      pending_.data() + pending_at_, bs::kFrameHeader));
}

bool FrameSocket::has_buffered_frame() const {
  std::optional<std::uint32_t> size = next_frame_length();
  return size && pending_.size() - pending_at_ - bs::kFrameHeader >= *size;
}

std::optional<std::vector<std::byte>> FrameSocket::take_frame(bool& bad) {
  std::optional<std::uint32_t> size = next_frame_length();
  if (size && *size > executor_wire::kMaxFrame) {
    bad = true;
    return std::nullopt;
  }
  if (!has_buffered_frame())
    return std::nullopt;
  auto begin = pending_.begin() + std::ptrdiff_t(pending_at_ + bs::kFrameHeader);
  std::vector<std::byte> frame(begin, begin + std::ptrdiff_t(*size));
  pending_at_ += bs::kFrameHeader + *size;
  if (pending_at_ == pending_.size()) {
    pending_.clear();
    pending_at_ = 0;
  }
  return frame;
}

bool FrameSocket::read_some() {
  if (pending_at_ > 0) { // keep only the incomplete frame's bytes
    pending_.erase(pending_.begin(), pending_.begin() + std::ptrdiff_t(pending_at_));
    pending_at_ = 0;
  }
  std::size_t old_size = pending_.size();
  pending_.resize(old_size + 65536);
  ssize_t n;
  do {
    n = ::read(fd_, pending_.data() + old_size, 65536);
  } while (n < 0 && errno == EINTR);
  pending_.resize(old_size + std::size_t(std::max<ssize_t>(n, 0)));
  return n > 0;
}

std::optional<std::vector<std::byte>> FrameSocket::receive() {
  bool bad = false;
  for (;;) {
    if (std::optional<std::vector<std::byte>> frame = take_frame(bad))
      return frame;
    if (bad || !read_some())
      return std::nullopt;
  }
}

std::vector<std::vector<std::byte>> FrameSocket::receive_available(bool& closed) {
  std::vector<std::vector<std::byte>> frames;
  if (!has_buffered_frame() && !read_some()) {
    closed = true;
    return frames;
  }
  bool bad = false;
  while (std::optional<std::vector<std::byte>> frame = take_frame(bad))
    frames.push_back(std::move(*frame));
  if (bad)
    closed = true;
  return frames;
}

} // namespace ppp2p::detail
