#include <gtest/gtest.h>

#include <flatbuffers/flatbuffers.h>

#include "handshake_generated.h"
#include "ppp2p/net/error.hpp"
#include "ppp2p/net/handshake.hpp"

using namespace ppp2p::net;

namespace {

Credentials member(const std::string& secret = std::string(40, 's')) {
  return {Identity::generate(), ClusterKey::from_secret(secret), std::nullopt};
}

struct Transcript {
  Bytes hello, reply, finish;
  Result<std::pair<Bytes, SessionKeys>> initiator = errc::cancelled;
  Result<SessionKeys> responder = errc::cancelled;
};

Transcript run(const Credentials& i, const Credentials& r) {
  Transcript t;
  HandshakeInitiator hi(i);
  HandshakeResponder hr(r);
  t.hello = hi.hello();
  auto reply = hr.on_hello(t.hello);
  if (!reply) {
    t.initiator = reply.error();
    return t;
  }
  t.reply = *reply;
  t.initiator = hi.on_reply(t.reply);
  if (!t.initiator)
    return t;
  t.finish = t.initiator->first;
  t.responder = hr.on_finish(t.finish);
  return t;
}

} // namespace

TEST(Handshake, MembersAgreeOnCrossedSessionKeys) {
  Credentials a = member(), b = member();
  Transcript t = run(a, b);
  ASSERT_TRUE(t.initiator.ok()) << t.initiator.error().message();
  ASSERT_TRUE(t.responder.ok()) << t.responder.error().message();
  const SessionKeys& ki = t.initiator->second;
  const SessionKeys& kr = *t.responder;
  EXPECT_EQ(ki.peer, b.identity.public_key);
  EXPECT_EQ(kr.peer, a.identity.public_key);
  EXPECT_EQ(ki.send_key, kr.recv_key);
  EXPECT_EQ(ki.recv_key, kr.send_key);
  EXPECT_NE(ki.send_key, ki.recv_key);
  EXPECT_LE(t.hello.size(), kMaxHandshakeFrame);
  EXPECT_LE(t.reply.size(), kMaxHandshakeFrame);
  EXPECT_LE(t.finish.size(), kMaxHandshakeFrame);
}

TEST(Handshake, FreshSessionKeysEveryTime) {
  Credentials a = member(), b = member();
  EXPECT_NE(run(a, b).initiator->second.send_key, run(a, b).initiator->second.send_key);
}

TEST(Handshake, WrongClusterKeyIsRejectedByTheInitiator) {
  Transcript t = run(member("one secret that is long enough....."),
                     member("another secret, also long enough..."));
  EXPECT_EQ(t.initiator.error(), errc::handshake_bad_cluster_key);
}

TEST(Handshake, NoClusterKeyAgainstAClusterKeyIsRejected) {
  Credentials a = member();
  a.cluster.reset();
  EXPECT_EQ(run(a, member()).initiator.error(), errc::handshake_bad_cluster_key);
}

TEST(Handshake, ResponderRejectsAFinishReplayedFromAnotherSession) {
  Credentials a = member(), b = member();
  Transcript old = run(a, b);
  ASSERT_TRUE(old.responder.ok());
  // An eavesdropper replays the old hello and finish to a fresh responder.
  HandshakeResponder hr(b);
  ASSERT_TRUE(hr.on_hello(old.hello).ok());
  EXPECT_EQ(hr.on_finish(old.finish).error(), errc::handshake_bad_cluster_key);
}

TEST(Handshake, InitiatorRejectsAReplyReplayedFromAnotherSession) {
  Credentials a = member(), b = member();
  Transcript old = run(a, b);
  HandshakeInitiator hi(a);
  EXPECT_FALSE(hi.on_reply(old.reply).ok());
}

// An altered byte either fails a step or leaves the two sides with keys that do not match
// (then the first sealed frame fails to open): never a working session.
static bool agreed(const Result<std::pair<Bytes, SessionKeys>>& i, const Result<SessionKeys>& r) {
  return i.ok() && r.ok() && i->second.send_key == r->recv_key && i->second.recv_key == r->send_key;
}

TEST(Handshake, NoTamperedByteOfTheReplyGivesASession) {
  Credentials a = member(), b = member();
  std::size_t size = run(a, b).reply.size();
  for (std::size_t i = 0; i < size; ++i) {
    HandshakeInitiator hi(a);
    HandshakeResponder hr(b);
    Bytes reply = hr.on_hello(hi.hello()).value();
    reply[i] ^= 0x20;
    auto ri = hi.on_reply(reply);
    Result<SessionKeys> rr = errc::cancelled;
    if (ri)
      rr = hr.on_finish(ri->first);
    EXPECT_FALSE(agreed(ri, rr)) << "byte " << i;
  }
}

TEST(Handshake, NoTamperedByteOfTheFinishGivesASession) {
  Credentials a = member(), b = member();
  std::size_t size = run(a, b).finish.size();
  for (std::size_t i = 0; i < size; ++i) {
    HandshakeInitiator hi(a);
    HandshakeResponder hr(b);
    auto ri = hi.on_reply(hr.on_hello(hi.hello()).value());
    ASSERT_TRUE(ri.ok());
    Bytes finish = ri->first;
    finish[i] ^= 0x01;
    EXPECT_FALSE(agreed(ri, hr.on_finish(finish))) << "byte " << i;
  }
}

TEST(Handshake, MeaningfulBytesOfTheReplyAreRejectedAtOnce) {
  // The keys, signature and proof: altering any of their bytes fails on_reply itself.
  Credentials a = member(), b = member();
  HandshakeInitiator probe(a);
  HandshakeResponder probe_r(b);
  Bytes reply = probe_r.on_hello(probe.hello()).value();
  std::size_t rejected = 0;
  for (std::size_t i = 0; i < reply.size(); ++i) {
    HandshakeInitiator hi(a);
    HandshakeResponder hr(b);
    Bytes r = hr.on_hello(hi.hello()).value();
    r[i] ^= 0x20;
    rejected += !hi.on_reply(r).ok();
  }
  EXPECT_GE(rejected, 32u + 32u + 64u + 32u);
}

TEST(Handshake, TruncatedMessagesAreMalformed) {
  Credentials a = member(), b = member();
  HandshakeInitiator hi(a);
  Bytes hello = hi.hello();
  for (std::size_t n = 0; n < hello.size(); ++n) {
    HandshakeResponder hr(b);
    EXPECT_EQ(hr.on_hello(ByteView(hello).first(n)).error(), errc::handshake_malformed) << n;
  }
}

TEST(Handshake, MessagesOutOfOrderAreMalformed) {
  Credentials a = member(), b = member();
  HandshakeInitiator hi(a);
  HandshakeResponder hr(b);
  EXPECT_EQ(hr.on_finish(hi.hello()).error(), errc::handshake_malformed);
  EXPECT_EQ(hi.on_reply(hi.hello()).error(), errc::handshake_malformed);
  Bytes reply = hr.on_hello(hi.hello()).value();
  EXPECT_EQ(hr.on_hello(hi.hello()).error(), errc::handshake_malformed); // only one hello
  EXPECT_EQ(hr.on_finish(reply).error(), errc::handshake_malformed);
}

TEST(Handshake, OtherProtocolVersionIsRejected) {
  namespace wire = ppp2p::wire::handshake;
  flatbuffers::FlatBufferBuilder fbb;
  std::array<std::uint8_t, 32> key{};
  key[0] = 9; // a valid X25519 point
  wire::Key32 eph{flatbuffers::span<const uint8_t, 32>(key)};
  fbb.Finish(wire::CreateMessage(fbb, wire::Step::Hello,
                                 wire::CreateHello(fbb, kLinkProtocolVersion + 1, &eph).Union()),
             wire::MessageIdentifier());
  HandshakeResponder hr(member());
  EXPECT_EQ(hr.on_hello({fbb.GetBufferPointer(), fbb.GetSize()}).error(),
            errc::handshake_bad_version);
}

TEST(Handshake, AllowListIsEnforcedOnBothSides) {
  Credentials a = member(), b = member(), c = member();
  b.allowed = std::set<PublicKey>{c.identity.public_key};
  Transcript t = run(a, b);
  ASSERT_TRUE(t.initiator.ok());                               // a accepts b ...
  EXPECT_EQ(t.responder.error(), errc::handshake_not_allowed); // ... but b refuses a
  b.allowed->insert(a.identity.public_key);
  EXPECT_TRUE(run(a, b).responder.ok());
  a.allowed = std::set<PublicKey>{c.identity.public_key};
  EXPECT_EQ(run(a, b).initiator.error(), errc::handshake_not_allowed);
}

TEST(Handshake, AllowListAloneWorksWithoutClusterKey) {
  Credentials a = member(), b = member();
  a.cluster.reset();
  b.cluster.reset();
  a.allowed = std::set<PublicKey>{b.identity.public_key};
  b.allowed = std::set<PublicKey>{a.identity.public_key};
  EXPECT_TRUE(run(a, b).responder.ok());
}

TEST(Handshake, ChoosesAesGcmWhenBothSidesHaveIt) {
  Credentials a = member(), b = member();
  Transcript t = run(a, b);
  ASSERT_TRUE(t.responder.ok());
  Cipher want = (supported_ciphers() & cipher_bit(Cipher::aes256_gcm)) ? Cipher::aes256_gcm
                                                                       : Cipher::chacha20_poly1305;
  EXPECT_EQ(t.initiator->second.cipher, want);
  EXPECT_EQ(t.responder->cipher, want);
}

TEST(Handshake, FallsBackToChaChaWhenOneSideOffersOnlyIt) {
  Credentials a = member(), b = member();
  HandshakeInitiator hi(a, cipher_bit(Cipher::chacha20_poly1305));
  HandshakeResponder hr(b);
  auto ri = hi.on_reply(hr.on_hello(hi.hello()).value());
  ASSERT_TRUE(ri.ok());
  auto rr = hr.on_finish(ri->first);
  ASSERT_TRUE(rr.ok());
  EXPECT_EQ(ri->second.cipher, Cipher::chacha20_poly1305);
  EXPECT_EQ(rr->cipher, Cipher::chacha20_poly1305);
}

TEST(Handshake, NoCommonCipherIsRefused) {
  Credentials a = member(), b = member();
  HandshakeInitiator hi(a, 0);
  HandshakeResponder hr(b);
  EXPECT_EQ(hr.on_hello(hi.hello()).error(), errc::handshake_no_cipher);
}

TEST(Handshake, InitiatorRefusesACipherItDidNotOffer) {
  if (!(supported_ciphers() & cipher_bit(Cipher::aes256_gcm)))
    GTEST_SKIP() << "no AES-256-GCM here";
  Credentials a = member(), b = member();
  HandshakeInitiator offers_all(a);
  HandshakeResponder hr(b);
  Bytes aes_reply = hr.on_hello(offers_all.hello()).value(); // chooses AES-256-GCM
  HandshakeInitiator chacha_only(a, cipher_bit(Cipher::chacha20_poly1305));
  EXPECT_EQ(chacha_only.on_reply(aes_reply).error(), errc::handshake_no_cipher);
}

TEST(Handshake, ConnectingToOurselvesIsRefused) {
  Credentials a = member();
  EXPECT_EQ(run(a, a).initiator.error(), errc::handshake_self);
}
