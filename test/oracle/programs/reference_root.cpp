// A root function taking its inputs by const& and by &, as people write a solver's entry point:
// the frames keep pointers into the arguments (a cursor into a vector, a reference to a map
// entry, a string_view of a string), which ppp2p::testing declares as the root's arguments
// (record) and which a resume gets again, built afresh (resume(snapshot, fn, args...)).
#include "../oracle.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

struct Limits {
  int rounds;
  long cap;
};

[[ppp2p::checkpointable]] long weigh(const std::vector<long>& weights, const std::string& label,
                                     std::map<std::string, long>& tally, const Limits& limits) {
  long sum = 0;
  const long* cursor = weights.data();
  std::string_view name = label;
  long& slot = tally[std::string(name.substr(0, 3))];
  for (int round = 0; round < limits.rounds; ++round) {
    for (std::size_t i = 0; i < weights.size(); ++i, ++cursor) {
      sum = (sum + *cursor * long(name.size()) + name[i % name.size()]) % limits.cap;
      ppp2p::checkpoint();
    }
    cursor = weights.data();
    slot += sum;
    ppp2p::checkpoint();
  }
  return sum * 7 + slot + long(tally.size());
}

PPP2P_ORACLE_MAIN(weigh, std::vector<long>{3, 1, 4, 1, 5, 9, 2, 6},
                  std::string("a label longer than the small-string buffer"),
                  std::map<std::string, long>{{"a l", 5}, {"zzz", 1}}, Limits{3, 1000003})
