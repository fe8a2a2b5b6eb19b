// Records a checkpointable function defined in another translation unit, resumes every
// snapshot, and checks the results.
#include <ppp2p/ppp2p.hpp>
#include <ppp2p/testing.hpp>

#include <cstdio>
#include <string>

std::string spell(int n);

int main() {
  auto recording = ppp2p::testing::record(spell, 4);
  if (recording.result != "abbcccdddd" || recording.snapshots.size() != 4) {
    std::printf("FAIL: %s, %zu snapshots\n", recording.result.c_str(), recording.snapshots.size());
    return 1;
  }
  for (const ppp2p::Snapshot& snapshot : recording.snapshots) {
    auto copy = ppp2p::Snapshot::from_bytes(snapshot.bytes());
    std::string resumed = ppp2p::testing::resume<std::string>(copy);
    if (resumed != recording.result) {
      std::printf("FAIL: resumed %s\n", resumed.c_str());
      return 1;
    }
  }
  std::printf("consumer ok: %zu snapshots resumed\n", recording.snapshots.size());
  return 0;
}
