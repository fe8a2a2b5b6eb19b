// Writes seed inputs for vc_fuzz into <dir>: valid client-link frames, deploy messages of
// every kind, and sequences of them addressed to the simulated VC the fuzz target runs (whose
// id is the same here, the simulation being seeded alike).
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "deploy_messages.hpp"
#include "ppp2p/net/frame.hpp"
#include "status_view.hpp"
#include "vc/agent_link/client_protocol.hpp"
#include "vc/executor/executor_protocol.hpp"
#include "vc_fuzz_setup.hpp"

using namespace ppp2p::agent::vc;
using namespace ppp2p::net;
namespace cw = ppp2p::detail::client_wire;
namespace fs = std::filesystem;

namespace {

void write(const fs::path& dir, const std::string& name, std::uint8_t kind, const Bytes& body) {
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary);
  out.put(static_cast<char>(kind));
  out.write(reinterpret_cast<const char*>(body.data()), static_cast<std::streamsize>(body.size()));
}

Bytes payload(const cw::Bytes& frame) {
  return Bytes(frame.begin() + 4, frame.end());
}

VcId fuzzed_vc_id() {
  sim::Cluster c(1); // as in vc_fuzz.cpp
  sim::Client client;
  return fuzzing::start_cluster(c, client);
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  fs::path dir = argv[1];
  VcId vc = fuzzed_vc_id();
  ModuleHash h{};
  h[0] = 1;
  VtEvent result;
  result.vt = 1;
  result.value = {std::byte{4}, std::byte{0}, std::byte{0}, std::byte{0}};
  std::vector<Message> messages{EnrolRequest{vc, h, 3000, 1},
                                EnrolReply{true, 1, {}},
                                FetchChunk{h, 0, 1000},
                                Chunk{{1, 2, 3}, {}},
                                Spawn{vc, {7, 1, 2, {}}},
                                Cancel{vc, 1},
                                Release{vc},
                                Resign{vc, "leaving"},
                                Event{vc, result},
                                Capture{vc, 7},
                                ToVt{vc, 7, {std::byte{1}, std::byte{2}}}};
  Bytes all;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    Bytes m = encode(messages[i]);
    write(dir, "deploy-" + std::to_string(i), 0, m);
    Bytes framed = make_frame(m);
    all.insert(all.end(), framed.begin(), framed.end());
  }
  write(dir, "to-deployer", 3, all);
  write(dir, "to-worker", 4, all);
  fuzzing::ReliableWrapper wrap("x");
  Bytes raw;
  for (const Message& m : messages) {
    Bytes framed = make_frame(wrap.data(encode(m)));
    raw.insert(raw.end(), framed.begin(), framed.end());
  }
  write(dir, "raw-to-worker", 5, raw);

  // What an executor sends its agent: Started, then one event of each kind; and what a peer
  // sends an executor, one command of each kind.
  namespace xw = ppp2p::detail::executor_wire;
  using ppp2p::detail::VtEvent;
  auto frame_of = [](const std::vector<std::byte>& payload) {
    return make_frame(
        ByteView(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
  };
  std::vector<std::byte> value{std::byte{4}, std::byte{0}, std::byte{0}, std::byte{0}};
  auto event = [&](VtEvent e) { return frame_of(xw::encode(xw::Event{std::move(e)})); };
  VtEvent failure{.kind = VtEvent::Kind::failure, .vt = 2};
  failure.type = "std::runtime_error";
  failure.what = "boom";
  VtEvent partial{.kind = VtEvent::Kind::partial, .vt = 1, .value = value, .effect = 3};
  partial.type = "i";
  std::vector<Bytes> executor_frames{
      frame_of(xw::encode(xw::Event{xw::Started{1234, 2}})),
      event({.kind = VtEvent::Kind::result, .vt = 1, .value = value}),
      event(failure),
      event(partial),
      event({.kind = VtEvent::Kind::message_frame, .vt = 1, .value = value}),
      event({.kind = VtEvent::Kind::checkpoint, .vt = 1, .value = value, .effect = 5}),
      event({.kind = VtEvent::Kind::blocked, .vt = 1})};
  std::vector<xw::Command> commands{xw::Run{1, 4096, 8192, value, std::nullopt, 0, 0},
                                    xw::Run{2, 4096, 8192, value, value, 7, 9},
                                    xw::Cancel{1},
                                    xw::Capture{2},
                                    xw::ToVt{1, value},
                                    xw::Shutdown{}};
  for (std::size_t i = 0; i < commands.size(); ++i)
    write(dir, "to-executor-" + std::to_string(i), 8, frame_of(xw::encode(commands[i])));
  Bytes session;
  for (std::size_t i = 0; i < executor_frames.size(); ++i) {
    session.insert(session.end(), executor_frames[i].begin(), executor_frames[i].end());
    write(dir, "executor-" + std::to_string(i), 7, executor_frames[i]);
  }
  write(dir, "executor-session", 6, session);

  ppp2p::detail::VcRequest req;
  req.workers = 2;
  req.module_path = "/usr/bin/program";
  cw::Bytes f;
  cw::append_create(f, req);
  write(dir, "client-create", 1, payload(f));
  f.clear();
  std::vector<SpawnRequest> spawns{{0, 1, 2, {std::byte{1}}}, {1, 1, 2, {}}};
  cw::append_spawns(f, spawns, 0, 2);
  write(dir, "client-spawns", 1, payload(f));
  f.clear();
  cw::append_to_vt(f, 1, {std::byte{1}, std::byte{2}});
  write(dir, "client-to-vt", 1, payload(f));
  f.clear();
  cw::append_capture(f, 1);
  write(dir, "client-capture", 1, payload(f));
  f.clear();
  cw::append_created(f, {1, 2, "abc"});
  write(dir, "agent-created", 2, payload(f));
  f.clear();
  cw::append_events(f, {result});
  write(dir, "agent-events", 2, payload(f));

  // The status protocol: a request, and a reply with a peer, a VC and an enrolment.
  namespace ag = ppp2p::agent;
  write(dir, "status-request", 9, ag::encode_status_request());
  ag::StatusView view;
  view.version = "0.1.0";
  view.self_id = std::string(64, 'a');
  view.peers.push_back({.id = view.self_id,
                        .address = "10.0.0.1:7000",
                        .state = "alive",
                        .cores = 2,
                        .slots = 2,
                        .speed = 1.5,
                        .is_self = true});
  view.vcs.push_back({.id = "0123456789abcdef", .module = "/usr/bin/program", .quota = 2});
  view.enrolments.push_back({.deployer = "10.0.0.2:7000",
                             .vc = "0123456789abcdef",
                             .module = "program",
                             .state = "running",
                             .slots = 1});
  write(dir, "status-reply", 9, ag::encode_status_reply(view));
  return 0;
}
