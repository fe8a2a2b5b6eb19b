// Range-for loops with sites inside: over local containers of every kind, C arrays, members of
// a local, a temporary, nested loops, elements by value and by reference (modified after the
// site). The iterators move as distances, the references are recomputed.
#include "../oracle.hpp"

#include <array>
#include <list>
#include <map>
#include <set>
#include <string>
#include <vector>

[[ppp2p::checkpointable]] int step(int x) {
  ppp2p::checkpoint();
  return x * 3 + 1;
}

[[ppp2p::checkpointable]] std::vector<int> make(int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i)
    out.push_back(i * i);
  return out;
}

struct Tour {
  std::string name;
  std::vector<int> stops;
};

[[ppp2p::checkpointable]] std::string root(int n) {
  std::vector<int> numbers = make(n);
  std::string text = "abc";
  std::map<std::string, int> table{{"x", 1}, {"y", 2}, {"z", 3}};
  std::list<long> chain{5, 6, 7};
  std::set<int> ordered{9, 3, 6};
  int raw[4] = {1, 2, 3, 4};
  std::array<double, 3> fixed{0.5, 1.5, 2.5};
  std::vector<std::vector<int>> grid{{1, 2}, {3}, {4, 5, 6}};
  Tour tour{"t", {7, 8, 9}};
  long total = 0;

  for (int& value : numbers) {
    int before = value;
    value = step(value); // the element is written after the site
    total += value - before;
  }
  for (char c : text) {
    total += step(c);
    text += char(c + 1); // by value: the copy is what moved
  }
  for (auto& [key, value] : table)
    value += step(value) + int(key.size());
  for (long x : chain)
    total += step(int(x));
  for (const int& x : ordered)
    total = total * 2 + step(x) + x;
  for (int& x : raw)
    x = step(x) + x;
  for (double d : fixed)
    total += step(int(d * 2));
  for (auto& row : grid)
    for (int& cell : row)
      cell = step(cell) + int(row.size());
  for (int stop : tour.stops)
    total += step(stop);
  for (int v : make(3))
    total += step(v) + v;

  std::string out = std::to_string(total) + "|";
  for (int v : numbers)
    out += std::to_string(v) + ",";
  for (auto& [key, value] : table)
    out += key + std::to_string(value);
  for (int x : raw)
    out += ";" + std::to_string(x);
  for (auto& row : grid)
    for (int cell : row)
      out += "." + std::to_string(cell);
  return out + text;
}

PPP2P_ORACLE_MAIN(root, 4)
