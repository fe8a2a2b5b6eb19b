// Round trips and refusals of the codecs of the standard container adapters (stack, queue,
// priority_queue) and value types (valarray, bitset, complex, chrono durations and time points).
#include "codec_test_support.hpp"

#include <ppp2p/codec.hpp>

#include <gtest/gtest.h>

#include <bitset>
#include <chrono>
#include <complex>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <queue>
#include <stack>
#include <string>
#include <utility>
#include <valarray>
#include <vector>

namespace {

using ppp2p::test::encoded;
using ppp2p::test::expect_prefixes_refused;
using ppp2p::test::round_trip;

/// Pops both queues to the end, expecting equal tops all the way.
template <class Q> void expect_same_pops(Q a, Q b) {
  ASSERT_EQ(a.size(), b.size());
  while (!a.empty()) {
    EXPECT_EQ(a.top(), b.top());
    a.pop();
    b.pop();
  }
}

TEST(AdapterCodec, StackKeepsItsOrder) {
  std::stack<std::string> stack;
  for (const char* word : {"a", "bb", "ccc"})
    stack.push(word);
  std::stack<std::string> back = round_trip(stack);
  EXPECT_EQ(back, stack);
  EXPECT_EQ(back.top(), "ccc");
  EXPECT_EQ(round_trip(std::stack<int>()), std::stack<int>());
  std::stack<int, std::vector<int>> on_vector;
  on_vector.push(1);
  on_vector.push(2);
  EXPECT_EQ(round_trip(on_vector), on_vector);
  expect_prefixes_refused(stack);
}

TEST(AdapterCodec, QueueKeepsItsOrder) {
  std::queue<int> queue;
  for (int i = 0; i < 5; ++i)
    queue.push(i * i);
  queue.pop(); // the front is no longer 0
  std::queue<int> back = round_trip(queue);
  EXPECT_EQ(back, queue);
  EXPECT_EQ(back.front(), 1);
  EXPECT_EQ(back.back(), 16);
  EXPECT_EQ(round_trip(std::queue<std::string>()), std::queue<std::string>());
  std::queue<double, std::list<double>> on_list;
  on_list.push(0.5);
  EXPECT_EQ(round_trip(on_list), on_list);
  expect_prefixes_refused(queue);
}

TEST(AdapterCodec, PriorityQueueWithGreaterKeepsItsHeapLayout) {
  using Entry = std::pair<int, int>;
  using MinQueue = std::priority_queue<Entry, std::vector<Entry>, std::greater<>>;
  MinQueue queue;
  for (int i = 0; i < 20; ++i)
    queue.emplace((i * 7) % 5, i); // many equal first members
  queue.pop();
  MinQueue back = round_trip(queue);
  EXPECT_EQ(back.top(), queue.top());
  // The encoding is the underlying container as it lies, so equal encodings mean equal layouts.
  EXPECT_EQ(encoded(back), encoded(queue));
  expect_same_pops(queue, back);
  EXPECT_TRUE(round_trip(MinQueue()).empty());
  expect_prefixes_refused(queue);
}

/// A stateless comparator class: rebuilt, not encoded.
struct ByLastDigit {
  bool operator()(int a, int b) const { return a % 10 < b % 10; }
};

/// A comparator with state, trivially copyable: encoded as its bytes after the container.
struct ModuloOrder {
  int modulus = 1;
  bool operator()(int a, int b) const { return a % modulus < b % modulus; }
};

TEST(AdapterCodec, PriorityQueueWithACustomComparatorClass) {
  std::priority_queue<int, std::vector<int>, ByLastDigit> queue;
  for (int v : {13, 29, 40, 7, 99, 18})
    queue.push(v);
  auto back = round_trip(queue);
  EXPECT_EQ(back.top(), 29);
  expect_same_pops(queue, back);
  std::priority_queue<int, std::vector<int>, ByLastDigit> empty;
  EXPECT_EQ(encoded(empty).size(), 1u) << "a stateless comparator takes no bytes";
  EXPECT_TRUE(round_trip(empty).empty());
}

TEST(AdapterCodec, PriorityQueueKeepsAStatefulComparator) {
  using Queue = std::priority_queue<int, std::vector<int>, ModuloOrder>;
  Queue queue(ModuloOrder{7});
  for (int v : {3, 6, 13, 20, 8})
    queue.push(v);
  Queue back = round_trip(queue);
  EXPECT_EQ(back.top(), queue.top());
  EXPECT_EQ(back.top() % 7, 6); // 6, 13 or 20, whichever the heap holds first
  back.push(27);                // ordered by the restored comparator: 27 % 7 == 6 too
  queue.push(27);
  expect_same_pops(queue, back);
  EXPECT_EQ(encoded(Queue(ModuloOrder{5})).size(), 1 + sizeof(ModuloOrder));
  expect_prefixes_refused(queue);
}

TEST(AdapterCodec, PriorityQueueKeepsALambdaComparatorWithCaptures) {
  int pivot = 50;
  auto closer = [pivot](int a, int b) { return std::abs(a - pivot) > std::abs(b - pivot); };
  std::priority_queue<int, std::vector<int>, decltype(closer)> queue(closer);
  for (int v : {10, 90, 47, 55, 51})
    queue.push(v);
  auto back = round_trip(queue);
  EXPECT_EQ(back.top(), 51);
  expect_same_pops(queue, back);
}

TEST(ValueCodec, ValarrayOfDoubles) {
  std::valarray<double> values{0.5, -1.25, 3e100, 0.0};
  std::valarray<double> back = round_trip(values);
  ASSERT_EQ(back.size(), values.size());
  EXPECT_TRUE((back == values).min());
  EXPECT_EQ(encoded(values).size(), 1 + 4 * sizeof(double)) << "raw elements are copied in bulk";
  EXPECT_EQ(round_trip(std::valarray<double>()).size(), 0u);
  std::valarray<std::string> words{"x", "yy"};
  std::valarray<std::string> words_back = round_trip(words);
  ASSERT_EQ(words_back.size(), 2u);
  EXPECT_EQ(words_back[1], "yy");
  expect_prefixes_refused(values);
  expect_prefixes_refused(words);
}

TEST(ValueCodec, BitsetsOfOneAndOfAHundredBits) {
  EXPECT_EQ(round_trip(std::bitset<1>("1")), std::bitset<1>("1"));
  EXPECT_EQ(round_trip(std::bitset<1>()), std::bitset<1>());
  EXPECT_EQ(encoded(std::bitset<1>("1")).size(), 1u);
  std::bitset<100> wide;
  for (std::size_t i = 0; i < 100; i += 3)
    wide.set(i);
  wide.set(99);
  EXPECT_EQ(round_trip(wide), wide);
  EXPECT_EQ(encoded(wide).size(), 13u);
  EXPECT_EQ(round_trip(std::bitset<100>()), std::bitset<100>());
  EXPECT_EQ(round_trip(std::bitset<64>(~0ull)), std::bitset<64>(~0ull));
  EXPECT_EQ(encoded(std::bitset<0>()).size(), 0u);
  expect_prefixes_refused(wide);
}

TEST(ValueCodec, BitsetRefusesBitsPastItsSize) {
  std::vector<std::byte> bytes{std::byte{0x02}}; // bit 1 of a bitset<1>
  ppp2p::Reader in(bytes);
  EXPECT_THROW((void)ppp2p::decode<std::bitset<1>>(in), ppp2p::snapshot_error);
}

TEST(ValueCodec, ComplexNumbers) {
  std::complex<double> z(1.5, -2.25);
  EXPECT_EQ(round_trip(z), z);
  EXPECT_EQ(round_trip(std::complex<float>(0.f, 1.f)), std::complex<float>(0.f, 1.f));
  std::complex<long double> wide(1.0L / 3, -2.0L / 7);
  EXPECT_EQ(round_trip(wide), wide);
  EXPECT_EQ(encoded(wide).size(), 20u) << "two long doubles of 10 significant bytes";
  std::vector<std::complex<double>> many{{1, 2}, {3, 4}};
  EXPECT_EQ(round_trip(many), many);
  expect_prefixes_refused(z);
  expect_prefixes_refused(many);
}

TEST(ValueCodec, ChronoDurationsAndTimePoints) {
  using namespace std::chrono;
  EXPECT_EQ(round_trip(milliseconds(1234)), milliseconds(1234));
  using minutes_as_double = duration<double, std::ratio<60>>;
  EXPECT_EQ(round_trip(minutes_as_double(2.5)), minutes_as_double(2.5));
  EXPECT_EQ(round_trip(nanoseconds::min()), nanoseconds::min());
  auto now = system_clock::now();
  EXPECT_EQ(round_trip(now), now);
  time_point<steady_clock, seconds> tick(seconds(42));
  EXPECT_EQ(round_trip(tick), tick);
  std::vector<microseconds> laps{microseconds(1), microseconds(-2)};
  EXPECT_EQ(round_trip(laps), laps);
  expect_prefixes_refused(milliseconds(7));
  expect_prefixes_refused(now);
}

TEST(ValueCodec, ContainersOfSpecialisedRawTypesUseTheirCodecsNotBulkBytes) {
  // complex<long double> is trivially copyable but has its own, shorter, encoding: a vector of
  // them must not copy their padding bytes in bulk.
  std::vector<std::complex<long double>> values{{1, 2}, {3, 4}, {5, 6}};
  EXPECT_EQ(encoded(values).size(), 1 + 3 * 20u);
  EXPECT_EQ(round_trip(values), values);
  std::vector<std::bitset<100>> masks(10, std::bitset<100>().set(42));
  EXPECT_EQ(round_trip(masks), masks); // a count check by sizeof would refuse these 130 bytes
}

} // namespace
