// Trivially copyable, pointer-free state moved as raw bytes: random engines and distributions
// (whose internal state, e.g. normal_distribution's saved value, must move too) and PODs.
#include "../oracle.hpp"

#include <random>
#include <vector>

struct Particle {
  double position[3];
  float mass;
  unsigned flags;
};

[[ppp2p::checkpointable]] std::vector<double> root(int n) {
  std::mt19937 engine(12345);
  std::mt19937_64 wide(99);
  std::uniform_int_distribution<int> dice(1, 6);
  std::normal_distribution<double> noise(0.0, 2.0);
  std::bernoulli_distribution coin(0.3);
  Particle p{{0.5, 1.5, 2.5}, 3.0f, 0u};
  std::vector<double> out;
  for (int i = 0; i < n; ++i) {
    int roll = dice(engine);
    double shake = noise(engine); // draws pairs: leaves a saved value in the distribution
    p.position[i % 3] += shake;
    p.flags |= coin(wide) ? 1u << (i % 8) : 0u;
    p.mass *= 1.01f;
    out.push_back(roll + shake + double(wide() % 1000));
    ppp2p::checkpoint();
  }
  out.push_back(p.position[0] + p.position[1] + p.position[2] + p.mass + p.flags);
  return out;
}

PPP2P_ORACLE_MAIN(root, 15)
