// libFuzzer target: Snapshot::from_bytes, then resume, on arbitrary bytes. Built with ASan and
// UBSan and with the checksum check off (PPP2P_FUZZING_SKIP_CHECKSUM), so that mutations reach
// the frame decoder and the restore path instead of stopping at the checksum.
//
// The functions below are written so that any restored state is valid for them (loop bounds
// reduced modulo small numbers, no indexing by restored values): a crash is then a ppp2p bug.
//
// PPP2P_FUZZ_WRITE_SEEDS=DIR: write real snapshots of these functions to DIR as a seed corpus
// and exit. PPP2P_FUZZ_VERBOSE=1: describe each input (to reproduce a crash).
#include <ppp2p/ppp2p.hpp>
#include <ppp2p/testing.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <vector>

[[ppp2p::checkpointable]] std::string fuzz_containers(unsigned rounds) {
  std::string text;
  std::vector<int> numbers;
  std::map<int, std::string> table;
  for (unsigned i = 0; i < rounds % 6; ++i) {
    text += char('a' + i % 26);
    numbers.push_back(int(i));
    table[int(i % 3)] = text;
    ppp2p::checkpoint();
  }
  return text + std::to_string(numbers.size()) + std::to_string(table.size());
}

[[ppp2p::checkpointable]] unsigned fuzz_recursion(unsigned depth, std::vector<unsigned> path) {
  path.push_back(depth);
  ppp2p::checkpoint();
  unsigned below = depth % 64 == 0 ? 0 : fuzz_recursion(depth - 1, path);
  return below + unsigned(path.size());
}

[[ppp2p::checkpointable]] int fuzz_root(int n) {
  std::string label = fuzz_containers(unsigned(n));
  unsigned total = fuzz_recursion(3, {});
  return int(label.size() + total);
}

static void write_seeds(const char* dir) {
  int index = 0;
  auto write = [&](const std::vector<ppp2p::Snapshot>& snapshots) {
    for (const ppp2p::Snapshot& s : snapshots) {
      std::ofstream out(std::string(dir) + "/seed-" + std::to_string(index++), std::ios::binary);
      out.write(reinterpret_cast<const char*>(s.bytes().data()), std::streamsize(s.bytes().size()));
    }
  };
  write(ppp2p::testing::record(fuzz_root, 4).snapshots);
  write(ppp2p::testing::record(fuzz_containers, 5u).snapshots);
  std::printf("wrote %d seeds to %s\n", index, dir);
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  if (const char* dir = std::getenv("PPP2P_FUZZ_WRITE_SEEDS")) {
    write_seeds(dir);
    std::exit(0);
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    ppp2p::Snapshot snapshot =
        ppp2p::Snapshot::from_bytes({reinterpret_cast<const std::byte*>(data), size});
    std::string description = snapshot.describe();
    if (std::getenv("PPP2P_FUZZ_VERBOSE"))
      std::fprintf(stderr, "%s", description.c_str());
    try {
      (void)ppp2p::testing::resume<int>(snapshot);
    } catch (const ppp2p::snapshot_error&) {
    }
    try {
      (void)ppp2p::testing::resume<std::string>(snapshot);
    } catch (const ppp2p::snapshot_error&) {
    }
    try {
      (void)ppp2p::testing::resume<unsigned>(snapshot);
    } catch (const ppp2p::snapshot_error&) {
    }
  } catch (const ppp2p::snapshot_error&) {
  }
  return 0;
}
