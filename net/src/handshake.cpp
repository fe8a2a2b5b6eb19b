#include "ppp2p/net/handshake.hpp"

#include <sodium.h>
#include <string_view>

#include "handshake_generated.h"
#include "ppp2p/net/error.hpp"
#include "ppp2p/net/flatbuffer_util.hpp"

namespace ppp2p::net {

namespace wire = ppp2p::wire::handshake;
using Key = std::array<std::uint8_t, 32>;
using Sig = std::array<std::uint8_t, 64>;

namespace {

constexpr std::string_view kPrologue = "ppp2p link handshake v1";
constexpr std::string_view kResponderSigContext = "ppp2p responder";
constexpr std::string_view kInitiatorSigContext = "ppp2p initiator";

// BLAKE2b-256 over the concatenation of parts, optionally keyed.
class Hasher {
public:
  explicit Hasher(const Key* key = nullptr) {
    crypto_generichash_init(&st_, key ? key->data() : nullptr, key ? key->size() : 0, 32);
  }
  Hasher& add(ByteView b) {
    crypto_generichash_update(&st_, b.data(), b.size());
    return *this;
  }
  Hasher& add(std::string_view s) {
    return add(ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
  }
  Key done() {
    Key out;
    crypto_generichash_final(&st_, out.data(), out.size());
    return out;
  }

private:
  crypto_generichash_state st_;
};

Key cluster_key_of(const Credentials& c) {
  return c.cluster ? c.cluster->bytes : Key{};
}

// chain = BLAKE2b_{cluster}("chain" || dh || th2); dh is the X25519 secret.
Result<Key> derive_chain(const Credentials& creds, const Key& my_eph_sk, const Key& their_eph_pk,
                         const Key& th2) {
  Key dh;
  if (crypto_scalarmult(dh.data(), my_eph_sk.data(), their_eph_pk.data()) != 0)
    return errc::handshake_malformed; // a low-order point: no shared secret
  Key ck = cluster_key_of(creds);
  Key chain = Hasher(&ck).add("chain").add(dh).add(th2).done();
  sodium_memzero(dh.data(), dh.size());
  return chain;
}

Key derive(const Key& chain, std::string_view label, const Key& th = Key{}) {
  return Hasher(&chain).add(label).add(th).done();
}

Key mac(const Key& key, const Key& th) {
  Key out;
  crypto_auth(out.data(), th.data(), th.size(), key.data());
  return out;
}

bool mac_ok(const Key& key, const Key& th, const std::uint8_t* tag) {
  return crypto_auth_verify(tag, th.data(), th.size(), key.data()) == 0;
}

Sig sign(const Identity& id, std::string_view context, const Key& th) {
  Bytes msg(context.begin(), context.end());
  msg.insert(msg.end(), th.begin(), th.end());
  Sig sig;
  crypto_sign_detached(sig.data(), nullptr, msg.data(), msg.size(), id.secret_key.data());
  return sig;
}

bool signature_ok(const PublicKey& pk, std::string_view context, const Key& th,
                  const std::uint8_t* sig) {
  Bytes msg(context.begin(), context.end());
  msg.insert(msg.end(), th.begin(), th.end());
  return crypto_sign_verify_detached(sig, msg.data(), msg.size(), pk.bytes.data()) == 0;
}

Key key_of(const wire::Key32* k) {
  Key out;
  std::memcpy(out.data(), k->bytes()->data(), out.size());
  return out;
}

// The message in bytes (copied to storage when misaligned), if it is a valid `expected` step.
const wire::Message* parse(ByteView bytes, wire::Step expected, Bytes& storage) {
  const auto* m = verified_root<wire::Message>(aligned(bytes, storage), wire::MessageIdentifier(),
                                               kMaxHandshakeFrame);
  if (!m || m->step_type() != expected || !m->step())
    return nullptr;
  return m;
}

// The checks both sides make on the other's identity, after its proof and signature.
Result<void> check_peer(const Credentials& creds, const PublicKey& peer) {
  if (peer == creds.identity.public_key)
    return errc::handshake_self;
  if (creds.allowed && !creds.allowed->contains(peer))
    return errc::handshake_not_allowed;
  return {};
}

Key th2_of(ByteView hello, const Key& responder_eph, const Key& responder_identity) {
  Key th1 = Hasher().add(kPrologue).add(hello).done();
  return Hasher().add(th1).add(responder_eph).add(responder_identity).done();
}

// th3 covers the reply as sent, byte for byte, and th4 the finish: a message altered in any
// byte, even one the FlatBuffers decoder would not notice, ends in a failed handshake or in
// session keys that do not match.
Key th3_of(const Key& th2, ByteView reply, const Key& initiator_identity) {
  return Hasher().add(th2).add(reply).add(initiator_identity).done();
}

Key th4_of(const Key& th3, ByteView finish) {
  return Hasher().add(th3).add(finish).done();
}

wire::Key32 to_wire(const Key& k) {
  return wire::Key32(flatbuffers::span<const uint8_t, 32>(k));
}
wire::Signature64 to_wire(const Sig& s) {
  return wire::Signature64(flatbuffers::span<const uint8_t, 64>(s));
}

} // namespace

HandshakeInitiator::HandshakeInitiator(const Credentials& creds, std::uint8_t ciphers)
    : creds_(creds), ciphers_(ciphers & supported_ciphers()) {
  crypto_box_keypair(eph_pk_.data(), eph_sk_.data()); // X25519
  flatbuffers::FlatBufferBuilder fbb(128);
  wire::Key32 eph = to_wire(eph_pk_);
  auto hello = wire::CreateHello(fbb, kLinkProtocolVersion, &eph, ciphers_);
  fbb.Finish(wire::CreateMessage(fbb, wire::Step::Hello, hello.Union()), wire::MessageIdentifier());
  hello_ = to_bytes(fbb);
}

HandshakeInitiator::~HandshakeInitiator() {
  sodium_memzero(eph_sk_.data(), eph_sk_.size());
}

Bytes HandshakeInitiator::hello() const {
  return hello_;
}

Result<std::pair<Bytes, SessionKeys>> HandshakeInitiator::on_reply(ByteView bytes) {
  Bytes storage;
  const auto* m = parse(bytes, wire::Step::HelloReply, storage);
  if (!m)
    return errc::handshake_malformed;
  const auto* reply = m->step_as_HelloReply();
  auto cipher = static_cast<Cipher>(reply->cipher());
  if (reply->cipher() > wire::Cipher::MAX || !(ciphers_ & cipher_bit(cipher)))
    return errc::handshake_no_cipher; // not one we offered
  Key eph_r = key_of(reply->ephemeral());
  PublicKey peer{key_of(reply->identity())};
  Key th2 = th2_of(hello_, eph_r, peer.bytes);
  auto chain = derive_chain(creds_, eph_sk_, eph_r, th2);
  if (!chain)
    return chain.error();
  if (!mac_ok(derive(*chain, "responder proof"), th2, reply->proof()->bytes()->data()))
    return errc::handshake_bad_cluster_key;
  if (!signature_ok(peer, kResponderSigContext, th2, reply->signature()->bytes()->data()))
    return errc::handshake_bad_signature;
  if (auto r = check_peer(creds_, peer); !r)
    return r.error();

  Key th3 = th3_of(th2, bytes, creds_.identity.public_key.bytes);
  Sig sig_i = sign(creds_.identity, kInitiatorSigContext, th3);
  Key proof_i = mac(derive(*chain, "initiator proof"), th3);

  flatbuffers::FlatBufferBuilder fbb(256);
  wire::Key32 id = to_wire(creds_.identity.public_key.bytes), proof = to_wire(proof_i);
  wire::Signature64 sig = to_wire(sig_i);
  auto finish = wire::CreateHelloFinish(fbb, &id, &sig, &proof);
  fbb.Finish(wire::CreateMessage(fbb, wire::Step::HelloFinish, finish.Union()),
             wire::MessageIdentifier());

  Bytes finish_bytes = to_bytes(fbb);
  Key th4 = th4_of(th3, finish_bytes);
  SessionKeys keys;
  keys.peer = peer;
  keys.send_key = derive(*chain, "initiator to responder", th4);
  keys.recv_key = derive(*chain, "responder to initiator", th4);
  keys.cipher = cipher;
  sodium_memzero(chain->data(), chain->size());
  return std::pair{std::move(finish_bytes), keys};
}

HandshakeResponder::HandshakeResponder(const Credentials& creds, std::uint8_t ciphers)
    : creds_(creds), ciphers_(ciphers & supported_ciphers()) {
  crypto_box_keypair(eph_pk_.data(), eph_sk_.data());
}

HandshakeResponder::~HandshakeResponder() {
  sodium_memzero(eph_sk_.data(), eph_sk_.size());
  sodium_memzero(chain_.data(), chain_.size());
}

Result<Bytes> HandshakeResponder::on_hello(ByteView bytes) {
  if (replied_)
    return errc::handshake_malformed;
  Bytes storage;
  const auto* m = parse(bytes, wire::Step::Hello, storage);
  if (!m)
    return errc::handshake_malformed;
  const auto* hello = m->step_as_Hello();
  if (hello->version() != kLinkProtocolVersion)
    return errc::handshake_bad_version;
  std::uint8_t common = hello->ciphers() & ciphers_;
  if (common & cipher_bit(Cipher::aes256_gcm))
    cipher_ = Cipher::aes256_gcm; // several times faster where the hardware has it
  else if (common & cipher_bit(Cipher::chacha20_poly1305))
    cipher_ = Cipher::chacha20_poly1305;
  else
    return errc::handshake_no_cipher;
  Key eph_i = key_of(hello->ephemeral());
  th2_ = th2_of(bytes, eph_pk_, creds_.identity.public_key.bytes);
  auto chain = derive_chain(creds_, eph_sk_, eph_i, th2_);
  if (!chain)
    return chain.error();
  chain_ = *chain;
  Sig sig_r = sign(creds_.identity, kResponderSigContext, th2_);
  Key proof_r = mac(derive(chain_, "responder proof"), th2_);

  flatbuffers::FlatBufferBuilder fbb(256);
  wire::Key32 eph = to_wire(eph_pk_), id = to_wire(creds_.identity.public_key.bytes),
              proof = to_wire(proof_r);
  wire::Signature64 sig = to_wire(sig_r);
  auto reply =
      wire::CreateHelloReply(fbb, &eph, &id, &sig, &proof, static_cast<wire::Cipher>(cipher_));
  fbb.Finish(wire::CreateMessage(fbb, wire::Step::HelloReply, reply.Union()),
             wire::MessageIdentifier());
  reply_ = to_bytes(fbb);
  replied_ = true;
  return reply_;
}

Result<SessionKeys> HandshakeResponder::on_finish(ByteView bytes) {
  if (!replied_)
    return errc::handshake_malformed;
  Bytes storage;
  const auto* m = parse(bytes, wire::Step::HelloFinish, storage);
  if (!m)
    return errc::handshake_malformed;
  const auto* finish = m->step_as_HelloFinish();
  PublicKey peer{key_of(finish->identity())};
  Key th3 = th3_of(th2_, reply_, peer.bytes);
  if (!mac_ok(derive(chain_, "initiator proof"), th3, finish->proof()->bytes()->data()))
    return errc::handshake_bad_cluster_key;
  if (!signature_ok(peer, kInitiatorSigContext, th3, finish->signature()->bytes()->data()))
    return errc::handshake_bad_signature;
  if (auto r = check_peer(creds_, peer); !r)
    return r.error();
  Key th4 = th4_of(th3, bytes);
  SessionKeys keys;
  keys.peer = peer;
  keys.send_key = derive(chain_, "responder to initiator", th4);
  keys.recv_key = derive(chain_, "initiator to responder", th4);
  keys.cipher = cipher_;
  replied_ = false; // a second finish is malformed
  reply_.clear();
  return keys;
}

} // namespace ppp2p::net
