// Blocking I/O on a stream socket, and size-prefixed frames over it (a 4-byte little-endian
// length, then the payload): the one implementation behind both links the runtime speaks with
// plain threads, the executor link (FrameSocket) and the client's link to its agent
// (agent_connection.cpp). A frame over the caller's limit ends the link: framing is lost.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ppp2p::detail::blocking_socket {

using Deadline = std::optional<std::chrono::steady_clock::time_point>;

inline constexpr std::size_t kFrameHeader = 4;

/// Sends everything (never raises SIGPIPE); false if the other end is gone.
bool send_all(int fd, std::span<const std::byte> bytes);

/// Sends a frame header and `payload` in one system call where the socket takes it all; false
/// if the other end is gone.
bool send_frame(int fd, std::span<const std::byte> payload);

/// Reads exactly `out.size()` bytes; false at end of stream or on an error, or (with
/// `timed_out` set) when `deadline` passes first.
bool receive_exact(int fd, std::span<std::byte> out, Deadline deadline = std::nullopt,
                   bool* timed_out = nullptr);

/// The header of a frame of `size` bytes.
std::array<std::byte, kFrameHeader> frame_header(std::uint32_t size);
/// The length a frame header announces.
std::uint32_t frame_length(std::span<const std::byte, kFrameHeader> header);

/// One frame's payload, at most `max_size` bytes. nullopt with `error` saying what the other end
/// did, to follow its name ("closed the connection", "closed the connection inside a frame",
/// "sent a frame of N bytes, over the limit of M"), or with `timed_out` set when `deadline`
/// passed.
std::optional<std::vector<std::byte>> receive_frame(int fd, std::size_t max_size,
                                                    std::string& error,
                                                    Deadline deadline = std::nullopt,
                                                    bool* timed_out = nullptr);

} // namespace ppp2p::detail::blocking_socket
