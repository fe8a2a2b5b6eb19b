// Floating-point accumulation must resume bit for bit.
#include "../oracle.hpp"

#include <cmath>
#include <vector>

[[ppp2p::checkpointable]] double integrate(double from, double to, int steps) {
  double h = (to - from) / steps;
  double sum = 0;
  for (int i = 0; i < steps; ++i) {
    double x = from + (i + 0.5) * h;
    sum += std::sin(x) * std::exp(-x / 3) * h;
    if (i % 16 == 0)
      ppp2p::checkpoint();
  }
  return sum;
}

[[ppp2p::checkpointable]] std::vector<double> root(int parts) {
  std::vector<double> out;
  float single = 0.1f;
  for (int p = 0; p < parts; ++p) {
    out.push_back(integrate(p, p + 1, 64));
    single = single * 1.0001f + float(out.back());
  }
  out.push_back(single);
  return out;
}

PPP2P_ORACLE_MAIN(root, 4)
