// The VT's side of the message protocol (messages.fbs), inside an executor: its effect
// counter, its mailbox, its send window, and its outstanding global operation. The VT's thread
// calls the operations; the executor's link thread hands in the owner's frames.
#pragma once

#include "vc/messages/waiting_message.hpp"

#include <ppp2p/messages.hpp>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace ppp2p::detail {

inline constexpr std::size_t kSendWindowBytes = 1u << 20;
/// Receives told to the owner in one frame at most (messages.fbs ConsumedRun).
inline constexpr std::size_t kConsumedRunMax = 64;

/// Told when a VT's thread is about to wait for another VT, the client or a global (a receive,
/// a send under back-pressure, a global operation) and when it may go on: the executor lends the
/// VT's slot meanwhile. Called without the VT's messages lock held; unblocked() may wait.
class BlockingObserver {
public:
  virtual void blocked(VtId vt) = 0;
  virtual void unblocked(VtId vt) = 0;

protected:
  ~BlockingObserver() = default;
};

class VtMessages {
public:
  /// `to_owner` sends one message frame to the owner (in order, from the calling thread).
  /// A VT resumed from a checkpoint starts at `effect`; effects up to `replay_through` were
  /// applied before, so their receives wait for the owner's replayed messages.
  VtMessages(VtId vt, std::uint64_t effect, std::uint64_t replay_through,
             std::function<void(std::vector<std::byte>)> to_owner,
             BlockingObserver* blocking = nullptr);

  // Link thread.
  /// Handles a frame from the owner; false if it is malformed (the link is then suspect).
  bool on_frame(std::span<const std::byte> frame);
  /// A capture or a cancel became due: a blocked receive or send returns to reach a site.
  void interrupt();
  /// The owner is gone: every wait ends with ppp2p::error.
  void close(std::string why);

  // VT thread.
  std::uint64_t effect() const;
  /// Sends what the owner has not been told yet (try_receive misses, messages receives took);
  /// called before any frame that leaves outside the message frames (partials, checkpoints,
  /// the result).
  void flush();
  /// The effect number of a partial result about to be sent.
  std::uint64_t next_report_effect();
  /// False if the send window stayed full until an interrupt (`value` is then untouched).
  bool send(VtId to, const char* type, Bytes& value);
  std::optional<Bytes> receive(VtId from, const char* type, bool block);
  GlobalValue global_read(const std::string& name, const char* type);
  void global_write(const std::string& name, const char* type, Bytes value);
  GlobalLease global_acquire(const std::string& name, const char* type);
  void global_release(const std::string& name, const char* type, const GlobalLease& lease,
                      const Bytes* value);

private:
  using Message = WaitingMessage;
  struct Replayed {
    bool miss = false;
    std::uint64_t count = 1; // a run of misses
    Message message;
  };
  struct Reply {
    bool replay = false;
    bool set = false;
    Bytes value;
    std::string error;
    int code = -1;
  };

  /// Frames built under the mutex leave after it is released (declare before the lock): the
  /// link thread needs the mutex to hand in frames, and must never wait on a full socket.
  struct Outbox {
    VtMessages& messages;
    std::vector<Bytes> frames;
    ~Outbox() {
      for (Bytes& frame : frames)
        messages.to_owner_(std::move(frame));
    }
  };

  std::uint64_t next_effect_locked();
  void flush_locked(std::vector<Bytes>& frames);
  /// flush_locked, sent at once (the lock is released meanwhile): before the VT waits, the
  /// owner learns what it took, which may free the buffer space that senders wait for.
  void flush_now(std::unique_lock<std::mutex>& lock);
  void send_frame_locked(Outbox& out, Bytes frame);
  void throw_if_closed_locked() const;
  /// Waits until `ready()`, telling the blocking observer when it has to wait at all.
  template <class Ready> void wait_until(std::unique_lock<std::mutex>& lock, Ready ready);
  Reply global_request(std::uint8_t op, const std::string& name, const char* type,
                       const Bytes* value);

  const VtId vt_;
  std::function<void(std::vector<std::byte>)> to_owner_;
  BlockingObserver* const blocking_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::uint64_t effect_;
  std::uint64_t replay_through_;
  std::uint64_t misses_first_ = 0, misses_count_ = 0;
  // Receives that took a message, not yet told to the owner: numbers taken_first_ on. Never
  // pending together with misses (either is flushed before the other starts), so that the
  // owner gets effects in order.
  std::uint64_t taken_first_ = 0;
  std::vector<std::pair<VtId, std::uint64_t>> taken_;
  std::deque<Message> mailbox_;
  std::map<std::uint64_t, Replayed> replay_;
  std::deque<std::pair<std::uint64_t, std::size_t>> unacked_;
  std::size_t unacked_bytes_ = 0;
  std::map<std::uint64_t, Reply> replies_;
  bool interrupted_ = false;
  std::optional<std::string> closed_;
};

} // namespace ppp2p::detail
