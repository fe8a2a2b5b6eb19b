// Harness of the differential oracle: one program, four modes, results as hex of their codec
// encoding so that runs compare byte for byte.
//
//   prog plain                     run the root function without any capture
//   prog record DIR                capture at every checkpoint(); snapshots to DIR/NNNN.snap
//   prog resume FILE               resume one snapshot to completion
//   prog record-resume FILE DIR    resume and capture again at every later checkpoint()
//
// Each prints "result <hex>" (and "snapshots <n>" when recording). A snapshot that cannot be
// resumed prints "snapshot_error: <what>" and exits with 3.
#pragma once

#include <ppp2p/ppp2p.hpp>
#include <ppp2p/testing.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace oracle {

template <class R> std::string hex_of(const R& value) {
  std::vector<std::byte> bytes;
  ppp2p::Writer out(bytes);
  ppp2p::encode(out, value);
  static const char digits[] = "0123456789abcdef";
  std::string text;
  for (std::byte b : bytes) {
    text += digits[unsigned(b) >> 4];
    text += digits[unsigned(b) & 15];
  }
  return text;
}

inline std::vector<std::byte> read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> data((std::istreambuf_iterator<char>(in)), {});
  return std::vector<std::byte>(reinterpret_cast<std::byte*>(data.data()),
                                reinterpret_cast<std::byte*>(data.data()) + data.size());
}

inline void write_snapshots(const std::vector<ppp2p::Snapshot>& snapshots, const char* dir) {
  for (std::size_t i = 0; i < snapshots.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "/%04zu.snap", i);
    std::ofstream out(std::string(dir) + name, std::ios::binary);
    auto bytes = snapshots[i].bytes();
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
  }
  std::printf("snapshots %zu\n", snapshots.size());
}

template <class F, class... A> int main_for(int argc, char** argv, F fn, A... args) {
  using R = decltype(fn(args...));
  std::string mode = argc > 1 ? argv[1] : "plain";
  try {
    if (mode == "plain") {
      std::printf("result %s\n", hex_of(fn(args...)).c_str());
    } else if (mode == "record" && argc == 3) {
      auto recording = ppp2p::testing::record(fn, args...);
      std::printf("result %s\n", hex_of(recording.result).c_str());
      write_snapshots(recording.snapshots, argv[2]);
    } else if (mode == "resume" && argc == 3) {
      auto snapshot = ppp2p::Snapshot::from_bytes(read_file(argv[2]));
      std::printf("result %s\n", hex_of(ppp2p::testing::resume<R>(snapshot, fn, args...)).c_str());
    } else if (mode == "record-resume" && argc == 4) {
      auto snapshot = ppp2p::Snapshot::from_bytes(read_file(argv[2]));
      auto recording = ppp2p::testing::record_resume<R>(snapshot, fn, args...);
      std::printf("result %s\n", hex_of(recording.result).c_str());
      write_snapshots(recording.snapshots, argv[3]);
    } else {
      std::fprintf(stderr, "usage: %s plain | record DIR | resume FILE | record-resume FILE DIR\n",
                   argv[0]);
      return 2;
    }
  } catch (const ppp2p::snapshot_error& e) {
    std::printf("snapshot_error: %s\n", e.what());
    return 3;
  }
  return 0;
}

} // namespace oracle

#define PPP2P_ORACLE_MAIN(...)                                                                     \
  int main(int argc, char** argv) {                                                                \
    return oracle::main_for(argc, argv, __VA_ARGS__);                                              \
  }
