// Writes seed inputs for the net fuzz targets into <dir>/<target>/: valid handshake
// messages, sealed frames and membership messages, so that the short CI runs start from
// inputs that reach deep into the parsers.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fuzz_credentials.hpp"
#include "ppp2p/net/frame.hpp"
#include "ppp2p/net/handshake.hpp"
#include "ppp2p/net/membership/codec.hpp"
#include "ppp2p/net/secure_channel.hpp"

using namespace ppp2p::net;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& dir, const std::string& name, const Bytes& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

Bytes two_messages(std::uint8_t role, const Bytes& a, const Bytes& b) {
  Bytes out{role, static_cast<std::uint8_t>(a.size()), static_cast<std::uint8_t>(a.size() >> 8)};
  out.insert(out.end(), a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

Bytes membership_messages() {
  membership::Message ping;
  ping.sender = fuzzing::fixed_identity(3).public_key;
  ping.sender_address = "127.0.0.1:9";
  ping.kind = membership::BodyKind::sync;
  membership::Update u{ping.sender,          ping.sender_address, 5, membership::State::alive,
                       {2, 2, 2, 100, 0.5f}, std::nullopt};
  ping.members = {u};
  ping.gossip = {u};
  ping.gossip[0].state = membership::State::suspect;
  Bytes out = make_frame(encode(ping));
  ping.kind = membership::BodyKind::ping_req;
  ping.target = ping.sender;
  ping.target_address = "10.0.0.1:7946";
  Bytes second = make_frame(encode(ping));
  out.insert(out.end(), second.begin(), second.end());
  return out;
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_ROOT\n", argv[0]);
    return 2;
  }
  fs::path root = argv[1];
  Credentials r = fuzzing::fixed_credentials(1), i = fuzzing::fixed_credentials(2);

  // Handshake: a real exchange between the two fixed identities.
  HandshakeInitiator hi(i);
  HandshakeResponder hr(r);
  Bytes hello = hi.hello();
  Bytes reply = hr.on_hello(hello).value();
  Bytes finish = hi.on_reply(reply).value().first;
  write(root / "net_handshake_fuzz", "respond", two_messages(1, hello, finish));
  write(root / "net_handshake_fuzz", "initiate", two_messages(0, reply, {}));

  // Frames: sealed with the fixed key, in order, then a plain membership frame.
  Sealer sealer(fuzzing::fixed_session_key());
  Bytes stream = sealer.seal(
      1,
      encode(membership::decode(ByteView(membership_messages()).subspan(kFrameHeaderSize), 1 << 20)
                 .value()));
  Bytes more = sealer.seal(2, Bytes{1, 2, 3});
  stream.insert(stream.end(), more.begin(), more.end());
  write(root / "net_frame_fuzz", "sealed", stream);
  write(root / "net_frame_fuzz", "plain", membership_messages());

  write(root / "net_membership_fuzz", "sync_and_ping_req", membership_messages());
  return 0;
}
