#include "tasks.hpp"

int empty_task(int x) {
  return x;
}

long long count_primes(long long from, long long to) {
  long long count = 0;
  for (long long n = from; n <= to; ++n) {
    bool prime = n > 1;
    for (long long d = 2; d * d <= n && prime; ++d)
      prime = n % d != 0;
    count += prime;
    if ((n - from) % 4096 == 4095)
      ppp2p::checkpoint();
  }
  return count;
}
