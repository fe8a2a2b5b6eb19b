// Unordered containers keep their order of iteration across a move (a range-for over one
// resumes where it was), their nodes are heap regions (an iterator or a reference into one
// relocates), and damaged encodings of them are refused.
#include "codec_test_support.hpp"

#include <ppp2p/codec.hpp>
#include <ppp2p/detail/heap_regions.hpp>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace {

using ppp2p::test::encoded;
using ppp2p::test::expect_prefixes_refused;
using ppp2p::test::round_trip;

template <class C> auto iteration(const C& container) {
  return std::vector<typename C::value_type>(container.begin(), container.end());
}

// A history of inserts and erases, so that the order is not the one a fresh insertion in
// key order would give.
template <class C, class MakeElement> C churned(MakeElement make, int operations, unsigned seed) {
  C container;
  std::mt19937 random(seed);
  for (int i = 0; i < operations; ++i) {
    int key = int(random() % 500);
    if (random() % 4 == 0)
      container.erase(make(key).first);
    else
      container.insert(make(key).second);
  }
  return container;
}

TEST(UnorderedCodec, MapsKeepTheirOrderOfIterationAfterInsertsAndErases) {
  for (unsigned seed = 1; seed <= 20; ++seed) {
    auto make = [](int key) { return std::pair{key, std::pair{key, std::to_string(key * 7)}}; };
    auto table = churned<std::unordered_map<int, std::string>>(make, 400, seed);
    auto back = round_trip(table);
    EXPECT_EQ(iteration(back), iteration(table)) << "seed " << seed;
    EXPECT_EQ(back.bucket_count(), table.bucket_count());
  }
}

TEST(UnorderedCodec, MultiContainersKeepEqualRangesInTheirOrder) {
  std::unordered_multimap<std::string, int> words;
  std::mt19937 random(7);
  for (int i = 0; i < 600; ++i)
    words.emplace("w" + std::to_string(random() % 40), i);
  for (auto at = words.begin(); at != words.end();)
    at = at->second % 5 == 0 ? words.erase(at) : std::next(at);
  auto back = round_trip(words);
  EXPECT_EQ(iteration(back), iteration(words));

  // Few elements with a slow hash: libstdc++ then puts an equivalent after the first one.
  std::unordered_multimap<std::string, int> few{{"a", 1}, {"b", 2}, {"a", 3}, {"a", 4}, {"c", 5}};
  EXPECT_EQ(iteration(round_trip(few)), iteration(few));

  std::unordered_multiset<int> bag;
  for (int i = 0; i < 300; ++i)
    bag.insert(int(random() % 23));
  EXPECT_EQ(iteration(round_trip(bag)), iteration(bag));
}

TEST(UnorderedCodec, SetsOfStringsKeepTheirOrderWithAnyLoadFactorAndReserve) {
  std::unordered_set<std::string> names;
  names.max_load_factor(4.0f); // crowded buckets
  for (int i = 0; i < 200; ++i)
    names.insert("name-" + std::to_string(i * 31 % 97) + std::string(i % 3 * 10, 'x'));
  auto back = round_trip(names);
  EXPECT_EQ(iteration(back), iteration(names));
  EXPECT_EQ(back.max_load_factor(), 4.0f);

  std::unordered_set<int> sparse;
  sparse.reserve(10000); // many buckets, few elements
  for (int i : {5, 10007, 3, 20014, 9})
    sparse.insert(i);
  sparse.max_load_factor(0.01f); // lowered after the inserts: more elements than it allows
  std::unordered_set<int> empty;
  empty.max_load_factor(0.25f);
  EXPECT_EQ(round_trip(empty).max_load_factor(), 0.25f);

  auto sparse_back = round_trip(sparse);
  EXPECT_EQ(iteration(sparse_back), iteration(sparse));
  EXPECT_EQ(sparse_back.bucket_count(), sparse.bucket_count());
}

TEST(UnorderedCodec, NodesAreHeapRegionsInTheOrderOfTheEncoding) {
  std::unordered_map<int, std::string> table;
  for (int i = 0; i < 50; ++i)
    table[i * 13] = std::string(40, char('a' + i % 26)); // long strings: regions of their own
  std::vector<ppp2p::detail::HeapRegion> saved, loaded;
  std::vector<std::byte> bytes;
  {
    ppp2p::detail::heap_region_log = &saved;
    ppp2p::Writer out(bytes);
    ppp2p::encode(out, table);
    ppp2p::detail::heap_region_log = nullptr;
  }
  ppp2p::Reader in(bytes);
  ppp2p::detail::heap_region_log = &loaded;
  auto back = ppp2p::decode<std::unordered_map<int, std::string>>(in);
  ppp2p::detail::heap_region_log = nullptr;
  ASSERT_EQ(saved.size(), 100u); // a node and a string's characters per element
  ASSERT_EQ(loaded.size(), saved.size());
  for (std::size_t i = 0; i < saved.size(); ++i) {
    EXPECT_EQ(loaded[i].bytes, saved[i].bytes) << "region " << i;
    ASSERT_NE(loaded[i].base, nullptr) << "region " << i;
  }
  // Each node's region holds its element, at the same offset in both processes.
  for (auto [from, to] = std::pair{table.begin(), back.begin()}; from != table.end();
       ++from, ++to) {
    auto element = [](const auto& at, const std::vector<ppp2p::detail::HeapRegion>& regions) {
      const auto* address = reinterpret_cast<const std::byte*>(&*at);
      for (std::size_t i = 0; i < regions.size(); ++i)
        if (address >= regions[i].base && address < regions[i].base + regions[i].bytes)
          return std::pair{i, std::size_t(address - regions[i].base)};
      return std::pair{regions.size(), std::size_t(0)};
    };
    EXPECT_EQ(element(to, loaded), element(from, saved)) << "key " << from->first;
    EXPECT_LT(element(from, saved).first, saved.size());
  }
}

TEST(UnorderedCodec, DamagedEncodingsAreRefused) {
  std::unordered_map<int, int> table{{1, 10}, {2, 20}, {3, 30}};
  expect_prefixes_refused(table);
  expect_prefixes_refused(std::unordered_multiset<std::string>{"a", "a", "b"});

  auto refused = [](const std::vector<std::byte>& bytes, const std::string& expected) {
    ppp2p::Reader in(bytes);
    try {
      (void)ppp2p::decode<std::unordered_map<int, int>>(in);
      ADD_FAILURE() << "decoded; expected: " << expected;
    } catch (const ppp2p::snapshot_error& error) {
      EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
    }
  };
  auto with = [](std::uint64_t count, std::uint64_t buckets, float load_factor,
                 std::vector<std::pair<int, int>> elements) {
    std::vector<std::byte> bytes;
    ppp2p::Writer out(bytes);
    out.varint(count);
    out.varint(buckets);
    ppp2p::encode(out, load_factor);
    for (auto [key, value] : elements) {
      ppp2p::encode(out, key);
      ppp2p::encode(out, value);
    }
    return bytes;
  };
  refused(with(2, 0, 1.0f, {{1, 1}, {2, 2}}), "2 elements in 0 buckets");
  refused(with(2, std::uint64_t(1) << 40, 1.0f, {{1, 1}, {2, 2}}), "buckets");
  refused(with(2, 13, -1.0f, {{1, 1}, {2, 2}}), "maximum load factor");
  refused(with(2, 13, 1.0f, {{4, 1}, {4, 2}}), "one key twice");
  // A bucket count no container here has (rehash takes the next prime): the order its
  // elements were written in would not come back.
  refused(with(2, 12, 1.0f, {{1, 1}, {2, 2}}), "(13 for 12)");
}

} // namespace
