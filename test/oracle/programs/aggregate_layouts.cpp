// Aggregates the header's field-by-field codec cannot take apart (C-array members, base
// classes, nested ones of those, many fields) still move as variables: the plugin builds their
// codec from the record layout.
#include "../oracle.hpp"

#include <string>
#include <vector>

struct Base {
  std::string name;
  int id;
};

struct Derived : Base {
  std::vector<double> samples;
  int histogram[4];
};

struct Board {
  char cells[3][3];
  std::string moves[2];
  Derived owner;
};

struct Wide {
  int f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15, f16, f17, f18, f19, f20,
      f21, f22, f23, f24, f25, f26, f27, f28, f29, f30, f31, f32, f33;
  std::string tag;
};

[[ppp2p::checkpointable]] std::string root(int n) {
  Derived d{{"base", 1}, {0.5}, {0, 0, 0, 0}};
  Board board{{{'.', '.', '.'}, {'.', '.', '.'}, {'.', '.', '.'}}, {"", ""}, d};
  Wide wide{};
  wide.tag = "w";
  for (int i = 0; i < n; ++i) {
    d.name += char('a' + i);
    d.samples.push_back(i * 1.5);
    d.histogram[i % 4] += i;
    board.cells[i % 3][(i + 1) % 3] = char('A' + i);
    board.moves[i % 2] += std::to_string(i);
    board.owner.id += i;
    wide.f33 += i;
    wide.tag += "+";
    ppp2p::checkpoint();
  }
  std::string out = d.name + std::to_string(d.id) + std::to_string(d.samples.size());
  for (int h : d.histogram)
    out += std::to_string(h);
  for (auto& row : board.cells)
    for (char c : row)
      out += c;
  return out + board.moves[0] + board.moves[1] + std::to_string(board.owner.id) +
         std::to_string(wide.f33) + wide.tag;
}

PPP2P_ORACLE_MAIN(root, 7)
