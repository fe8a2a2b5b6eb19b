// Scalars and enums across sites in nested loops, with if/switch/break/continue.
#include "../oracle.hpp"

enum class Mode : unsigned char { add, mul, skip, stop };

[[ppp2p::checkpointable]] long run(int n) {
  long acc = 1;
  double ratio = 0.5;
  unsigned short counter = 0;
  char tag = 'a';
  bool flip = false;
  Mode mode = Mode::add;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < 4; ++j) {
      if ((i + j) % 5 == 4)
        continue;
      switch (mode) {
      case Mode::add:
        acc += i * j + tag;
        mode = Mode::mul;
        break;
      case Mode::mul:
        acc = acc * 3 % 100003;
        mode = flip ? Mode::skip : Mode::add;
        break;
      case Mode::skip:
        mode = Mode::add;
        ppp2p::checkpoint();
        continue;
      case Mode::stop:
        break;
      }
      ratio = ratio * 1.25 + j;
      ++counter;
      tag = char('a' + (tag - 'a' + 1) % 26);
      ppp2p::checkpoint();
      if (acc > 90000 && !flip) {
        flip = true;
        break;
      }
    }
    ppp2p::checkpoint();
  }
  return acc + long(ratio * 16) + counter * 1000 + tag + (flip ? 7 : 0);
}

PPP2P_ORACLE_MAIN(run, 9)
