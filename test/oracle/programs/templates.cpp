// Function templates instantiated with several types, calling each other.
#include "../oracle.hpp"

#include <string>
#include <vector>

template <class T> [[ppp2p::checkpointable]] T fold(std::vector<T> items, T seed) {
  T acc = seed;
  for (std::size_t i = 0; i < items.size(); ++i) {
    acc = acc + items[i];
    ppp2p::checkpoint();
  }
  return acc;
}

template <class T, int Scale> [[ppp2p::checkpointable]] T scaled(T value) {
  T result = value;
  for (int i = 0; i < Scale; ++i) {
    result = result + value;
    ppp2p::checkpoint();
  }
  return result;
}

[[ppp2p::checkpointable]] std::string root(int n) {
  std::vector<int> ints;
  std::vector<std::string> words;
  for (int i = 0; i < n; ++i) {
    ints.push_back(i * 3);
    words.push_back(std::string(1, char('p' + i)));
  }
  int total = fold(ints, 1);
  double d = scaled<double, 3>(1.5);
  std::string joined = fold(words, std::string(">"));
  long big = scaled<long, 2>(long(total));
  return joined + std::to_string(total) + "/" + std::to_string(d) + "/" + std::to_string(big);
}

PPP2P_ORACLE_MAIN(root, 6)
