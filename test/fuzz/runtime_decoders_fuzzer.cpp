// libFuzzer target (ASan + UBSan, leaks reported) for what the runtime decodes that is not a
// snapshot: values of std types as they arrive in arguments, results, partial results,
// messages and globals (ppp2p::decode<T>), and message frames at a VC's messages owner
// (the client), sent by VTs that run another member's code. The first input byte picks the
// target.
//
// A value that decodes must survive a round trip: encode(decode(x)) decodes to a value that
// encodes the same (or, with unordered containers, compares equal).
//
// PPP2P_FUZZ_WRITE_SEEDS=DIR: write valid inputs of every target to DIR and exit.
#include <ppp2p/codec.hpp>
#include <ppp2p/errors.hpp>

#include "vc/messages/message_frames.hpp"
#include "vc/messages/messages_owner.hpp"

#include <array>
#include <bitset>
#include <chrono>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <forward_list>
#include <fstream>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <stack>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <valarray>
#include <variant>
#include <vector>

namespace {

using Bytes = std::vector<std::byte>;

struct Particle { // an aggregate, as users pass them
  int id;
  std::string name;
  std::vector<float> position;
  std::optional<std::map<int, std::string>> tags;
};

using Nested = std::map<std::string, std::vector<std::pair<int, std::string>>>;
using Vocabulary = std::tuple<std::optional<std::variant<int, std::string, std::monostate>>,
                              std::pair<long, std::set<short>>, std::array<std::string, 3>>;
using Sequences =
    std::tuple<std::deque<std::list<std::string>>, std::forward_list<int>, std::multimap<int, int>>;
using Owners = std::tuple<std::unique_ptr<std::vector<int>>, std::shared_ptr<std::string>>;
using Adapters =
    std::tuple<std::priority_queue<int>, std::stack<std::string>, std::queue<std::vector<char>>>;
using Numbers =
    std::tuple<std::valarray<double>, std::bitset<100>, std::complex<float>,
               std::chrono::milliseconds,
               std::chrono::time_point<std::chrono::system_clock, std::chrono::seconds>>;
using Unordered = std::tuple<std::unordered_map<int, std::string>, std::unordered_set<std::string>,
                             std::unordered_multiset<int>>;

template <class T> Bytes encode(const T& value) {
  Bytes out;
  ppp2p::Writer writer(out);
  ppp2p::encode(writer, value);
  return out;
}

template <class T> T decode(std::span<const std::byte> in) {
  ppp2p::Reader reader(in);
  return ppp2p::decode<T>(reader);
}

[[noreturn]] void round_trip_broken(const char* type) {
  std::fprintf(stderr, "round trip of %s changed the value\n", type);
  std::abort();
}

/// Decodes a T; one that decodes must come back the same through encode and decode.
template <class T> void value(std::span<const std::byte> in, const char* type) {
  std::optional<T> first;
  try {
    first.emplace(decode<T>(in));
  } catch (const ppp2p::error&) {
    return; // refused with a reason: fine
  }
  Bytes once = encode(*first);
  T second = decode<T>(once); // must not throw
  if constexpr (std::is_same_v<T, Unordered>) {
    // Iteration order depends on insertion history: compare the values.
    if (second != *first)
      round_trip_broken(type);
  } else {
    if (encode(second) != once)
      round_trip_broken(type);
  }
}

/// Frames from VTs 1..3 at a messages owner: each input record is [vt & control][length:2]
/// [frame]. The control bits also place, checkpoint, stop and finish VTs between frames.
void messages_owner(std::span<const std::byte> in) {
  std::size_t sent = 0;
  ppp2p::detail::MessagesOwner owner({.buffer_bytes = 1u << 16},
                                     [&](ppp2p::VtId, Bytes frame) { sent += frame.size(); });
  for (ppp2p::VtId vt = 1; vt <= 3; ++vt)
    owner.placed(vt, 0);
  while (in.size() >= 3) {
    auto control = std::to_integer<unsigned>(in[0]);
    std::size_t length = std::to_integer<std::size_t>(in[1]) | std::to_integer<std::size_t>(in[2])
                                                                   << 8;
    in = in.subspan(3);
    length = std::min(length, in.size());
    ppp2p::VtId vt = 1 + control % 3;
    switch (control / 3 % 8) {
    case 1:
      owner.checkpointed(vt, owner.applied(vt));
      break;
    case 2:
      owner.stopped(vt);
      owner.placed(vt, owner.applied(vt));
      break;
    case 3:
      owner.finished(vt);
      break;
    default:
      break;
    }
    try {
      owner.from_vt(vt, in.first(length));
    } catch (const ppp2p::error&) {
      // A protocol error: the peer fails that VT; the owner goes on.
    }
    in = in.subspan(length);
  }
  owner.close("the fuzz input ended");
}

constexpr unsigned kTargets = 11;

void one_input(unsigned target, std::span<const std::byte> in) {
  switch (target % kTargets) {
  case 0:
    return value<std::string>(in, "string");
  case 1:
    return value<std::vector<std::int64_t>>(in, "vector<int64>");
  case 2:
    return value<Nested>(in, "Nested");
  case 3:
    return value<Vocabulary>(in, "Vocabulary");
  case 4:
    return value<Sequences>(in, "Sequences");
  case 5:
    return value<Owners>(in, "Owners");
  case 6:
    return value<Adapters>(in, "Adapters");
  case 7:
    return value<Numbers>(in, "Numbers");
  case 8:
    return value<Unordered>(in, "Unordered");
  case 9:
    return value<Particle>(in, "Particle");
  default:
    return messages_owner(in);
  }
}

void write_seed(const std::string& dir, const std::string& name, unsigned target,
                const Bytes& body) {
  std::ofstream out(dir + "/" + name, std::ios::binary);
  char t = char(target);
  out.write(&t, 1);
  out.write(reinterpret_cast<const char*>(body.data()), std::streamsize(body.size()));
}

void write_seeds(const std::string& dir) {
  using namespace std::chrono_literals;
  write_seed(dir, "string", 0, encode(std::string("ppp2p")));
  write_seed(dir, "vector", 1, encode(std::vector<std::int64_t>{1, -2, 1LL << 40}));
  write_seed(dir, "nested", 2, encode(Nested{{"a", {{1, "x"}, {2, "y"}}}, {"b", {}}}));
  write_seed(dir, "vocabulary", 3,
             encode(Vocabulary{std::variant<int, std::string, std::monostate>("v"),
                               {7, {1, 2, 3}},
                               {"p", "q", ""}}));
  Sequences sequences{{{"a", "b"}, {}}, {4, 5}, {{1, 1}, {1, 2}}};
  write_seed(dir, "sequences", 4, encode(sequences));
  write_seed(dir, "owners", 5,
             encode(Owners{std::make_unique<std::vector<int>>(3, 9),
                           std::make_shared<std::string>("shared")}));
  Adapters adapters;
  std::get<0>(adapters).push(3);
  std::get<0>(adapters).push(8);
  std::get<1>(adapters).push("top");
  std::get<2>(adapters).push({'a', 'b'});
  write_seed(dir, "adapters", 6, encode(adapters));
  write_seed(dir, "numbers", 7,
             encode(Numbers{{1.5, -2.0}, std::bitset<100>(0x5a5a), {1.0f, -1.0f}, 250ms, {}}));
  write_seed(dir, "unordered", 8, encode(Unordered{{{1, "one"}, {2, "two"}}, {"s"}, {4, 4}}));
  write_seed(dir, "particle", 9,
             encode(Particle{3, "p", {0.5f, 1.5f}, std::map<int, std::string>{{1, "t"}}}));

  // A message session: VT 1 sends to VT 2, VT 2 consumes it, VT 3 updates a global.
  namespace ex = ppp2p::detail::messages;
  Bytes session;
  auto record = [&](unsigned control, const Bytes& frame) {
    session.push_back(std::byte(control));
    session.push_back(std::byte(frame.size() & 0xff));
    session.push_back(std::byte(frame.size() >> 8 & 0xff));
    session.insert(session.end(), frame.begin(), frame.end());
  };
  Bytes value = encode(42);
  record(0, ex::send(1, 2, "i", value)); // VT 1 (control 0)
  record(1, ex::consumed(1, 1, 1));      // VT 2
  record(2, ex::global_request(1, ex::wire::GlobalOp::acquire, "best", "i", nullptr));
  record(2, ex::global_request(2, ex::wire::GlobalOp::commit, "best", "i", &value));
  record(2 + 3, ex::global_request(3, ex::wire::GlobalOp::read, "best", "i", nullptr));
  record(0 + 6, ex::missed(2, 1));
  write_seed(dir, "messages", 10, session);

  // VT 1 sends three messages to VT 2, which tells the owner it took them in one run.
  session.clear();
  for (std::uint64_t effect = 3; effect <= 5; ++effect)
    record(0, ex::send(effect, 2, "i", value));
  std::vector<std::pair<ppp2p::VtId, std::uint64_t>> taken{{1, 3}, {1, 4}, {1, 5}};
  record(1, ex::consumed_run(2, taken));
  write_seed(dir, "consumed_run", 10, session);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0)
    return 0;
  one_input(data[0], std::span(reinterpret_cast<const std::byte*>(data) + 1, size - 1));
  return 0;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("PPP2P_FUZZ_WRITE_SEEDS")) {
    write_seeds(dir);
    std::exit(0);
  }
  return 0;
}
