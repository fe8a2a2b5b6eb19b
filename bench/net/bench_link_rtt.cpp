// Request/response round trip between two agents' links over loopback, through the full stack
// (coroutines, Stream, framing, ChaCha20-Poly1305, FlatBuffers build + verify), against a raw
// libuv ping-pong of the same payload in the same run. Each side has its own thread and loop,
// as two agents would. Prints a markdown table (bench/README.md).
//
// Usage: bench_link_rtt [round_trips=20000] [payload_bytes=64]
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <uv.h>

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

// ---- full stack -----------------------------------------------------------------------------

Bytes build_echo(flatbuffers::FlatBufferBuilder& fbb, std::uint64_t seq, bool reply,
                 const Bytes& payload) {
  fbb.Clear();
  fbb.Finish(echo::CreateEchoDirect(fbb, seq, reply, &payload), echo::EchoIdentifier());
  return to_bytes(fbb);
}

const echo::Echo* read_echo(const OpenedFrame& f) {
  return verified_root<echo::Echo>(f.body(), echo::EchoIdentifier(), 1 << 20);
}

std::vector<double> full_stack(int n, std::size_t payload_size) {
  std::atomic<int> port{0};
  std::thread server([&] {
    Loop loop;
    Credentials creds = bench_member();
    auto listener =
        TcpListener::bind(loop, SocketAddress::numeric({"127.0.0.1", 0}).value()).value();
    port = listener->local()->port();
    sync_wait(loop, [](Loop& l, TcpListener& lis, const Credentials& c) -> task<void> {
      auto s = co_await lis.accept();
      auto link = co_await Link::accept(l, std::move(*s), c, g_options);
      flatbuffers::FlatBufferBuilder fbb(4096);
      Bytes payload;
      for (;;) {
        auto f = co_await (*link)->receive();
        if (!f)
          break;
        const echo::Echo* e = read_echo(*f);
        if (!e)
          std::abort();
        payload.assign(e->payload()->begin(), e->payload()->end());
        (void)(*link)->send(Channel::echo, build_echo(fbb, e->seq(), true, payload));
      }
    }(loop, *listener, creds));
  });
  while (port == 0)
    std::this_thread::yield();
  std::vector<double> rtt_us;
  {
    Loop loop;
    Credentials creds = bench_member();
    auto addr =
        SocketAddress::numeric({"127.0.0.1", static_cast<std::uint16_t>(port.load())}).value();
    sync_wait(loop,
              [](Loop& l, SocketAddress a, const Credentials& c, int count, std::size_t size,
                 std::vector<double>& out) -> task<void> {
                auto link = co_await Link::connect(l, a, c, g_options);
                if (!link)
                  std::abort();
                flatbuffers::FlatBufferBuilder fbb(4096);
                Bytes payload(size, 0x42);
                for (int i = 0; i < count; ++i) {
                  std::uint64_t t0 = Loop::hrtime_ns();
                  (void)(*link)->send(Channel::echo, build_echo(fbb, i, false, payload));
                  auto f = co_await (*link)->receive();
                  const echo::Echo* e = f ? read_echo(*f) : nullptr;
                  if (!e || e->seq() != static_cast<std::uint64_t>(i) || !e->reply())
                    std::abort();
                  out.push_back(static_cast<double>(Loop::hrtime_ns() - t0) / 1000.0);
                }
                (*link)->close();
              }(loop, addr, creds, n, payload_size, rtt_us));
  }
  server.join();
  return rtt_us;
}

// ---- raw libuv ping-pong --------------------------------------------------------------------

struct RawConn {
  uv_tcp_t tcp;
  std::vector<char> buf;
  std::size_t have = 0, want = 0;
  int left = 0;
  std::uint64_t t0 = 0;
  std::vector<double>* out = nullptr;
  bool client = false;
};

void raw_alloc(uv_handle_t* h, std::size_t, uv_buf_t* b) {
  auto* c = static_cast<RawConn*>(h->data);
  *b = uv_buf_init(c->buf.data() + c->have, static_cast<unsigned>(c->buf.size() - c->have));
}

void raw_send(RawConn* c) {
  auto* req = new uv_write_t;
  uv_buf_t b = uv_buf_init(c->buf.data(), static_cast<unsigned>(c->want));
  uv_write(req, reinterpret_cast<uv_stream_t*>(&c->tcp), &b, 1,
           [](uv_write_t* r, int) { delete r; });
}

void raw_read(uv_stream_t* s, ssize_t n, const uv_buf_t*) {
  auto* c = static_cast<RawConn*>(s->data);
  if (n < 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(s), nullptr);
    return;
  }
  c->have += static_cast<std::size_t>(n);
  if (c->have < c->want)
    return;
  c->have = 0;
  if (c->client) {
    c->out->push_back(static_cast<double>(uv_hrtime() - c->t0) / 1000.0);
    if (--c->left == 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(s), nullptr);
      return;
    }
    c->t0 = uv_hrtime();
  }
  raw_send(c);
}

std::vector<double> raw_libuv(int n, std::size_t size) {
  std::atomic<int> port{0};
  std::thread server([&] {
    uv_loop_t loop;
    uv_loop_init(&loop);
    uv_tcp_t listener;
    uv_tcp_init(&loop, &listener);
    sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    uv_tcp_bind(&listener, reinterpret_cast<sockaddr*>(&a), 0);
    RawConn conn;
    conn.buf.resize(size);
    conn.want = size;
    listener.data = &conn;
    uv_listen(reinterpret_cast<uv_stream_t*>(&listener), 1, [](uv_stream_t* l, int) {
      auto* c = static_cast<RawConn*>(l->data);
      uv_tcp_init(l->loop, &c->tcp);
      c->tcp.data = c;
      uv_accept(l, reinterpret_cast<uv_stream_t*>(&c->tcp));
      uv_tcp_nodelay(&c->tcp, 1);
      uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), raw_alloc, raw_read);
      uv_close(reinterpret_cast<uv_handle_t*>(l), nullptr);
    });
    sockaddr_storage ss;
    int len = sizeof ss;
    uv_tcp_getsockname(&listener, reinterpret_cast<sockaddr*>(&ss), &len);
    port = ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
  });
  while (port == 0)
    std::this_thread::yield();
  std::vector<double> rtt;
  uv_loop_t loop;
  uv_loop_init(&loop);
  RawConn conn;
  conn.buf.assign(size, 0x42);
  conn.want = size;
  conn.left = n;
  conn.out = &rtt;
  conn.client = true;
  uv_tcp_init(&loop, &conn.tcp);
  conn.tcp.data = &conn;
  sockaddr_in a;
  uv_ip4_addr("127.0.0.1", port, &a);
  uv_connect_t req;
  req.data = &conn;
  uv_tcp_connect(&req, &conn.tcp, reinterpret_cast<sockaddr*>(&a), [](uv_connect_t* r, int st) {
    if (st != 0)
      std::abort();
    auto* c = static_cast<RawConn*>(r->data);
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start(reinterpret_cast<uv_stream_t*>(&c->tcp), raw_alloc, raw_read);
    c->t0 = uv_hrtime();
    raw_send(c);
  });
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  server.join();
  return rtt;
}

} // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 20000;
  std::size_t size = argc > 2 ? static_cast<std::size_t>(std::atoi(argv[2])) : 64;
  std::vector<Cipher> ciphers{Cipher::chacha20_poly1305};
  if (supported_ciphers() & cipher_bit(Cipher::aes256_gcm))
    ciphers.push_back(Cipher::aes256_gcm);
  // Warm up every path, then measure them interleaved twice to even out machine noise.
  (void)raw_libuv(1000, size);
  std::vector<double> raw;
  std::vector<std::vector<double>> full(ciphers.size());
  for (std::size_t i = 0; i < ciphers.size(); ++i) {
    g_options.ciphers = cipher_bit(ciphers[i]);
    (void)full_stack(1000, size);
  }
  for (int round = 0; round < 2; ++round) {
    auto r = raw_libuv(n / 2, size);
    raw.insert(raw.end(), r.begin(), r.end());
    for (std::size_t i = 0; i < ciphers.size(); ++i) {
      g_options.ciphers = cipher_bit(ciphers[i]);
      auto f = full_stack(n / 2, size);
      full[i].insert(full[i].end(), f.begin(), f.end());
    }
  }
  std::printf("round trips: %d per path, payload %zu bytes, %u hardware threads\n\n", n, size,
              std::thread::hardware_concurrency());
  table_header({"path", "p50 (µs)", "p99 (µs)", "p50 ratio", "p99 ratio"});
  double rp50 = percentile(raw, 50), rp99 = percentile(raw, 99);
  table_row({"raw libuv ping-pong", fmt(rp50), fmt(rp99), "1.00", "1.00"});
  for (std::size_t i = 0; i < ciphers.size(); ++i) {
    double fp50 = percentile(full[i], 50), fp99 = percentile(full[i], 99);
    table_row(
        {"ppp2p link (coroutines + " + std::string(cipher_name(ciphers[i])) + " + FlatBuffers)",
         fmt(fp50), fmt(fp99), fmt(fp50 / rp50, "%.2f"), fmt(fp99 / rp99, "%.2f")});
  }
  return 0;
}
