// Capture cost and snapshot size, each against a baseline measured in the same run:
//  1. µs per capture of a small frame chain (capture at every checkpoint() vs none);
//  2. bytes per second for large state, against memcpy of the same number of bytes;
//  3. snapshot size against the bytes of live state, and against this process's resident size
//     (what a process image, e.g. from CRIU, would have to hold at least);
//  4. capture time of linked structures (a vector, a list of unique_ptrs, a list of new'ed
//     nodes linked by raw pointers) against a std::list of the same values.
#include <ppp2p/detail/capture_session.hpp>
#include <ppp2p/ppp2p.hpp>
#include <ppp2p/testing.hpp>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <list>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

long resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4096;
}

} // namespace

// --- 1. small frames: two nested frames, a few scalars and a short string.
[[ppp2p::checkpointable]] long inner_step(long x, int i) {
  long y = x * 31 + i;
  ppp2p::checkpoint();
  return y % 1000003;
}

[[ppp2p::checkpointable]] long small_frames(int iterations) {
  long acc = 1;
  std::string tag = "small";
  for (int i = 0; i < iterations; ++i)
    acc = inner_step(acc, i) + long(tag.size());
  return acc;
}

// --- 2. large state: a vector of doubles captured at each checkpoint.
[[ppp2p::checkpointable]] double large_state(int captures, int elements) {
  std::vector<double> data(std::size_t(elements), 1.5);
  double sum = 0;
  for (int c = 0; c < captures; ++c) {
    data[std::size_t(c) % data.size()] += c;
    ppp2p::checkpoint();
    sum += data[0];
  }
  return sum;
}

// --- 3. shapes for the size table.
[[ppp2p::checkpointable]] long deep(int depth, long a) {
  long b = a * 3 + depth;
  if (depth == 0) {
    ppp2p::checkpoint();
    return b;
  }
  return deep(depth - 1, b % 1000) + 1;
}

[[ppp2p::checkpointable]] std::size_t text_map(int entries) {
  std::map<std::string, std::string> table;
  for (int i = 0; i < entries; ++i)
    table["key" + std::to_string(i)] = std::string(40, char('a' + i % 26));
  ppp2p::checkpoint();
  return table.size();
}

[[ppp2p::checkpointable]] int scalars(int a) {
  int b = a + 1;
  double c = a * 0.5;
  ppp2p::checkpoint();
  return b + int(c);
}

// --- 4. linked structures of the same values, each captured at every checkpoint.
struct RawNode {
  long value;
  RawNode* next;
};

struct OwnedNode {
  long value;
  std::unique_ptr<OwnedNode> next;
};

template <class Structure> struct Linked;

template <> struct Linked<std::vector<long>> {
  static std::vector<long> make(int n) {
    std::vector<long> values;
    for (int i = 0; i < n; ++i)
      values.push_back(i);
    return values;
  }
  static long first(const std::vector<long>& values) { return values.front(); }
  static void free(std::vector<long>&) {}
};

template <> struct Linked<std::list<long>> {
  static std::list<long> make(int n) {
    std::list<long> values;
    for (int i = 0; i < n; ++i)
      values.push_front(i);
    return values;
  }
  static long first(const std::list<long>& values) { return values.front(); }
  static void free(std::list<long>&) {}
};

template <> struct Linked<RawNode*> {
  static RawNode* make(int n) {
    RawNode* head = nullptr;
    for (int i = 0; i < n; ++i)
      head = new RawNode{i, head};
    return head;
  }
  static long first(RawNode* head) { return head->value; }
  static void free(RawNode*& head) {
    while (head)
      delete std::exchange(head, head->next);
  }
};

template <> struct Linked<std::unique_ptr<OwnedNode>> {
  static std::unique_ptr<OwnedNode> make(int n) {
    std::unique_ptr<OwnedNode> head;
    for (int i = 0; i < n; ++i)
      head = std::make_unique<OwnedNode>(OwnedNode{i, std::move(head)});
    return head;
  }
  static long first(const std::unique_ptr<OwnedNode>& head) { return head->value; }
  static void free(std::unique_ptr<OwnedNode>& head) {
    while (head) // iteratively: the default destructor would recurse once per node
      head = std::move(head->next);
  }
};

template <class Structure> [[ppp2p::checkpointable]] long hold_linked(int captures, int nodes) {
  Structure structure = Linked<Structure>::make(nodes);
  long sum = 0;
  for (int c = 0; c < captures; ++c) {
    ppp2p::checkpoint();
    sum += Linked<Structure>::first(structure);
  }
  Linked<Structure>::free(structure);
  return sum;
}

/// Seconds per capture of hold_linked<Structure>: with captures minus without.
template <class Structure> double linked_capture_seconds(int captures, int nodes) {
  ppp2p::detail::CaptureSession never(ppp2p::detail::CaptureMode::never);
  never.enter_root();
  auto start = Clock::now();
  hold_linked<Structure>(captures, nodes);
  double baseline = seconds_since(start);
  ppp2p::detail::CaptureSession session(ppp2p::detail::CaptureMode::every_checkpoint);
  session.set_sink([](ppp2p::Snapshot&&) {});
  session.enter_root();
  start = Clock::now();
  hold_linked<Structure>(captures, nodes);
  return (seconds_since(start) - baseline) / captures;
}

void linked_structures() {
  // Nodes: a unique_ptr list of many more would not fit the stack its encoding recurses on.
  const int nodes = 10000, captures = 50;
  struct Row {
    const char* structure;
    double seconds;
  };
  Row rows[] = {
      {"list<long> (baseline)", linked_capture_seconds<std::list<long>>(captures, nodes)},
      {"vector<long>", linked_capture_seconds<std::vector<long>>(captures, nodes)},
      {"unique_ptr<Node> list",
       linked_capture_seconds<std::unique_ptr<OwnedNode>>(captures, nodes)},
      {"Node* list (new'ed nodes)", linked_capture_seconds<RawNode*>(captures, nodes)},
  };
  // The raw list's share: the check that its nodes were made with new (a second encoding that
  // logs heap regions, check_raw_objects_of), timed alone on the same list.
  RawNode* head = Linked<RawNode*>::make(nodes);
  auto start = Clock::now();
  for (int c = 0; c < captures; ++c)
    ppp2p::detail::check_raw_objects_of(
        [&](ppp2p::Writer& out) { ppp2p::codec<RawNode*>::save(out, head); });
  double check_seconds = seconds_since(start) / captures;
  Linked<RawNode*>::free(head);

  std::printf("\n4. capture of linked structures: %d values of a long, %d captures each\n\n", nodes,
              captures);
  std::printf("| structure                  | ms per capture | ratio to list |\n");
  std::printf("|----------------------------|----------------|---------------|\n");
  for (const Row& r : rows)
    std::printf("| %-26s | %14.3f | %13.2f |\n", r.structure, r.seconds * 1e3,
                r.seconds / rows[0].seconds);
  std::printf("\nof the Node* list's capture, the check of objects made with new: %.2f ms\n",
              check_seconds * 1e3);
}

int main(int argc, char** argv) {
  int iterations = argc > 1 ? std::atoi(argv[1]) : 200000;
  if (iterations < 1000) {
    std::fprintf(stderr, "usage: bench-capture [ITERATIONS >= 1000]\n");
    return 2;
  }

  // 1. µs per capture.
  std::size_t captured_bytes = 0;
  long plain_result, captured_result;
  double plain_seconds, capture_seconds;
  {
    ppp2p::detail::CaptureSession session(ppp2p::detail::CaptureMode::never);
    auto start = Clock::now();
    session.enter_root();
    plain_result = small_frames(iterations);
    plain_seconds = seconds_since(start);
  }
  {
    ppp2p::detail::CaptureSession session(ppp2p::detail::CaptureMode::every_checkpoint);
    session.set_sink([&](ppp2p::Snapshot&& s) { captured_bytes += s.bytes().size(); });
    auto start = Clock::now();
    session.enter_root();
    captured_result = small_frames(iterations);
    capture_seconds = seconds_since(start);
  }
  if (plain_result != captured_result) {
    std::fprintf(stderr, "capturing changed the result\n");
    return 1;
  }
  double per_capture_us = (capture_seconds - plain_seconds) / iterations * 1e6;
  std::printf("1. capture cost, small frames: 2 nested checkpointable frames (5 live scalars and "
              "a string), %d captures\n\n",
              iterations);
  std::printf("| run                          | total s  | per checkpoint() |\n");
  std::printf("|------------------------------|----------|------------------|\n");
  std::printf("| no capture due (baseline)    | %8.4f | %12.3f µs  |\n", plain_seconds,
              plain_seconds / iterations * 1e6);
  std::printf("| capture at every checkpoint  | %8.4f | %12.3f µs  |\n", capture_seconds,
              capture_seconds / iterations * 1e6);
  std::printf("\ncost of one capture: %.2f µs (goal <= 5 µs); snapshot %zu bytes\n\n",
              per_capture_us, captured_bytes / std::size_t(iterations));

  // 2. bytes per second for large state, against memcpy.
  const int elements = 1 << 20; // 8 MiB of doubles
  const int captures = 20;
  std::size_t large_bytes = 0;
  double large_seconds;
  {
    ppp2p::detail::CaptureSession never(ppp2p::detail::CaptureMode::never);
    never.enter_root();
    auto start = Clock::now();
    large_state(captures, elements);
    double baseline = seconds_since(start);
    ppp2p::detail::CaptureSession session(ppp2p::detail::CaptureMode::every_checkpoint);
    session.set_sink([&](ppp2p::Snapshot&& s) { large_bytes += s.bytes().size(); });
    session.enter_root();
    start = Clock::now();
    large_state(captures, elements);
    large_seconds = seconds_since(start) - baseline;
  }
  std::vector<char> from(std::size_t(elements) * sizeof(double), 1), to(from.size());
  auto start = Clock::now();
  for (int c = 0; c < captures; ++c) {
    from[std::size_t(c)] = char(c);
    std::memcpy(to.data(), from.data(), from.size());
    asm volatile("" : : "r"(to.data()) : "memory"); // keep the copy
  }
  double memcpy_seconds = seconds_since(start);
  // A capture produces a new buffer each time: the same copy into fresh memory.
  start = Clock::now();
  for (int c = 0; c < captures; ++c) {
    std::vector<char> fresh(from.size());
    std::memcpy(fresh.data(), from.data(), from.size());
    asm volatile("" : : "r"(fresh.data()) : "memory");
  }
  double fresh_seconds = seconds_since(start);
  double state_bytes = double(elements) * sizeof(double) * captures;
  std::printf("2. capture throughput, large state: a std::vector<double> of 8 MiB, %d captures\n\n",
              captures);
  std::printf("| operation                      | GB/s   | ratio to memcpy |\n");
  std::printf("|--------------------------------|--------|-----------------|\n");
  std::printf("| memcpy of the same bytes       | %6.2f | 1.00            |\n",
              state_bytes / memcpy_seconds / 1e9);
  std::printf("| memcpy into a fresh buffer     | %6.2f | %.2f            |\n",
              state_bytes / fresh_seconds / 1e9, memcpy_seconds / fresh_seconds);
  std::printf("| capture (encode + checksum)    | %6.2f | %.2f            |\n",
              state_bytes / large_seconds / 1e9, memcpy_seconds / large_seconds);
  std::printf("\nsnapshot %zu bytes for %zu bytes of vector data\n\n", large_bytes / captures,
              std::size_t(elements) * sizeof(double));

  // 3. snapshot size against live state.
  struct Row {
    const char* shape;
    std::size_t live;
    std::size_t snapshot;
  };
  std::vector<Row> rows;
  auto size_of = [](auto recording) { return recording.snapshots.front().bytes().size(); };
  // Live state: the values live at the site plus, per frame, the 8 bytes of its return address
  // (the call chain is state too: a native stack holds it the same way).
  const std::size_t frame = 8;
  rows.push_back({"2 scalars live in 1 frame", sizeof(int) + sizeof(double) + frame,
                  size_of(ppp2p::testing::record(scalars, 3))});
  rows.push_back({"recursion, 2001 frames", sizeof(long) + 2001 * frame,
                  size_of(ppp2p::testing::record(deep, 2000, 1L))});
  rows.push_back({"vector<double>, 1 Mi elements",
                  std::size_t(elements) * sizeof(double) + 2 * sizeof(int) + sizeof(double) + frame,
                  size_of(ppp2p::testing::record(large_state, 1, elements))});
  std::size_t map_live = frame;
  for (int i = 0; i < 10000; ++i)
    map_live += ("key" + std::to_string(i)).size() + 40;
  rows.push_back({"map<string,string>, 10k entries", map_live,
                  size_of(ppp2p::testing::record(text_map, 10000))});
  std::printf("3. snapshot size against live state (goal <= 1.2 x live + 1 KiB); live state = "
              "values live at the site + 8 bytes (a return address) per frame\n\n");
  std::printf(
      "| state                            | live bytes | snapshot bytes | ratio | goal met |\n");
  std::printf(
      "|----------------------------------|------------|----------------|-------|----------|\n");
  for (const Row& r : rows)
    std::printf("| %-32s | %10zu | %14zu | %5.2f | %-8s |\n", r.shape, r.live, r.snapshot,
                double(r.snapshot) / double(r.live),
                double(r.snapshot) <= 1.2 * double(r.live) + 1024 ? "yes" : "no");
  std::printf("\nthis process's resident set, a lower bound for a process image: %ld bytes\n",
              resident_bytes());
  linked_structures();
  return 0;
}
