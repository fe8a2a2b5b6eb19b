// Throughput of 64-byte, 1 KiB and 64 KiB messages from one agent's link to another over loopback,
// through the full stack (FlatBuffers build + verify, sealing, framing, coroutines), against
// plain blocking TCP sockets moving the same bytes in the same run.
//
// Usage: bench_link_throughput [megabytes_per_case=256]   (64-byte messages: a sixteenth of it)
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

#include "bench_util.hpp"
#include "echo_generated.h"
#include "ppp2p/net/flatbuffer_util.hpp"
#include "ppp2p/net/link.hpp"
#include "ppp2p/net/sync_wait.hpp"
#include "ppp2p/net/tcp.hpp"

using namespace ppp2p::net;
using namespace ppp2p::bench;
namespace echo = ppp2p::wire::echo;

namespace {

// The link options of the run in progress (which ciphers the two ends may use).
LinkOptions g_options;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Returns MB/s of payload delivered (and verified) by the receiver.
double full_stack(std::size_t message, std::size_t total) {
  std::atomic<int> port{0};
  std::size_t count = total / message;
  std::thread receiver([&] {
    Loop loop;
    Credentials creds = bench_member();
    auto listener =
        TcpListener::bind(loop, SocketAddress::numeric({"127.0.0.1", 0}).value()).value();
    port = listener->local()->port();
    sync_wait(
        loop, [](Loop& l, TcpListener& lis, const Credentials& c, std::size_t n) -> task<void> {
          auto s = co_await lis.accept();
          auto link = co_await Link::accept(l, std::move(*s), c, g_options);
          std::size_t got = 0;
          while (got < n) {
            auto f = co_await (*link)->receive();
            if (!f)
              std::abort();
            const auto* e = verified_root<echo::Echo>(f->body(), echo::EchoIdentifier(), 1 << 20);
            if (!e || !e->payload())
              std::abort();
            ++got;
          }
          flatbuffers::FlatBufferBuilder fbb;
          fbb.Finish(echo::CreateEcho(fbb, n, true), echo::EchoIdentifier());
          (void)(*link)->send(Channel::echo, view_of(fbb));
          (void)co_await (*link)->drained();
          (void)co_await (*link)->receive(); // until the sender hangs up
        }(loop, *listener, creds, count));
  });
  while (port == 0)
    std::this_thread::yield();
  double secs = 0;
  {
    Loop loop;
    Credentials creds = bench_member();
    auto addr =
        SocketAddress::numeric({"127.0.0.1", static_cast<std::uint16_t>(port.load())}).value();
    secs = sync_wait(loop,
                     [](Loop& l, SocketAddress a, const Credentials& c, std::size_t size,
                        std::size_t n) -> task<double> {
                       auto link = co_await Link::connect(l, a, c, g_options);
                       if (!link)
                         std::abort();
                       flatbuffers::FlatBufferBuilder fbb(size + 256);
                       Bytes payload(size, 0x42);
                       auto t0 = std::chrono::steady_clock::now();
                       for (std::size_t i = 0; i < n; ++i) {
                         fbb.Clear();
                         fbb.Finish(echo::CreateEchoDirect(fbb, i, false, &payload),
                                    echo::EchoIdentifier());
                         (void)(*link)->send(Channel::echo, view_of(fbb));
                         if ((*link)->queued_bytes() > (4u << 20))
                           (void)co_await (*link)->drained(1u << 20);
                       }
                       auto done = co_await (*link)->receive();
                       if (!done)
                         std::abort();
                       double s = seconds_since(t0);
                       (*link)->close();
                       co_return s;
                     }(loop, addr, creds, message, count));
  }
  receiver.join();
  return static_cast<double>(count * message) / secs / 1e6;
}

// Plain blocking sockets: `message` bytes per send() call (the same granularity as the link's
// messages; the link gathers frames that queue up behind a busy socket into one write).
double raw_tcp(std::size_t message, std::size_t total) {
  int ls = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(ls, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::listen(ls, 1);
  socklen_t len = sizeof a;
  ::getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len);
  std::size_t count = total / message;
  std::thread receiver([&] {
    int s = ::accept(ls, nullptr, nullptr);
    std::vector<char> buf(1 << 16);
    std::size_t got = 0;
    while (got < count * message) {
      ssize_t n = ::recv(s, buf.data(), buf.size(), 0);
      if (n <= 0)
        std::abort();
      got += static_cast<std::size_t>(n);
    }
    char ack = 1;
    (void)::send(s, &ack, 1, 0);
    ::close(s);
  });
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0)
    std::abort();
  std::vector<char> msg(message, 0x42);
  auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < count; ++i) {
    std::size_t off = 0;
    while (off < message) {
      ssize_t n = ::send(s, msg.data() + off, message - off, 0);
      if (n <= 0)
        std::abort();
      off += static_cast<std::size_t>(n);
    }
  }
  char ack;
  if (::recv(s, &ack, 1, 0) != 1)
    std::abort();
  double secs = seconds_since(t0);
  ::close(s);
  receiver.join();
  ::close(ls);
  return static_cast<double>(count * message) / secs / 1e6;
}

} // namespace

int main(int argc, char** argv) {
  std::size_t mb = argc > 1 ? static_cast<std::size_t>(std::atoi(argv[1])) : 256;
  std::size_t total = mb << 20;
  std::printf("%zu MiB per case, %u hardware threads\n\n", mb, std::thread::hardware_concurrency());
  std::vector<Cipher> ciphers{Cipher::chacha20_poly1305};
  if (supported_ciphers() & cipher_bit(Cipher::aes256_gcm))
    ciphers.push_back(Cipher::aes256_gcm);
  table_header({"message size", "raw TCP, one send() per message (MB/s)",
                "raw TCP, 256 KiB sends (MB/s)", "cipher", "ppp2p link (MB/s)",
                "ratio to per-message", "ratio to 256 KiB sends"});
  (void)raw_tcp(256 * 1024, total / 8); // warm-up
  double bulk = raw_tcp(256 * 1024, total);
  for (std::size_t size : {std::size_t{64}, std::size_t{1024}, std::size_t{64 * 1024}}) {
    // 64-byte messages cost per message, not per byte: a sixteenth of the bytes is plenty.
    std::size_t bytes = size < 1024 ? total / 16 : total;
    (void)raw_tcp(size, bytes / 8);
    double raw = raw_tcp(size, bytes);
    for (Cipher c : ciphers) {
      g_options.ciphers = cipher_bit(c);
      (void)full_stack(size, bytes / 8);
      double full = full_stack(size, bytes);
      std::string label =
          size < 1024 ? std::to_string(size) + " B" : std::to_string(size / 1024) + " KiB";
      table_row({label, fmt(raw, "%.0f"), fmt(bulk, "%.0f"), std::string(cipher_name(c)),
                 fmt(full, "%.0f"), fmt(full / raw, "%.2f"), fmt(full / bulk, "%.2f")});
    }
  }
  return 0;
}
