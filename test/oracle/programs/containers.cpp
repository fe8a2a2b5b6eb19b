// Standard containers live across sites, modified between them.
#include "../oracle.hpp"

#include <deque>
#include <list>
#include <map>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

struct Summary {
  std::vector<int> values;
  std::string text;
  std::map<std::string, int> counts;
  long checksum;
};

[[ppp2p::checkpointable]] Summary build(int n) {
  std::vector<int> values;
  std::string text;
  std::map<std::string, int> counts;
  std::set<int> seen;
  std::unordered_map<int, std::string> names;
  std::deque<double> window;
  std::list<std::string> log;
  for (int i = 0; i < n; ++i) {
    values.push_back(i * i % 17);
    text += char('a' + i % 26);
    counts[std::to_string(i % 5)] += i;
    seen.insert(i % 7);
    names[i] = "n" + std::to_string(i);
    window.push_back(i / 3.0);
    if (window.size() > 4)
      window.pop_front();
    log.push_back(text);
    ppp2p::checkpoint();
  }
  long checksum = 0;
  for (int v : seen)
    checksum = checksum * 3 + v;
  for (auto& [k, v] : names)
    checksum += k * long(v.size());
  for (double d : window)
    checksum += long(d * 100);
  for (auto& s : log)
    checksum += long(s.size());
  return Summary{values, text, counts, checksum};
}

PPP2P_ORACLE_MAIN(build, 12)
