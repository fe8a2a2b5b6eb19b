// Round trips and refusals of the codec layer (include/ppp2p/codec.hpp).
#include "codec_test_support.hpp"

#include <ppp2p/codec.hpp>

#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <forward_list>
#include <limits>
#include <list>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

namespace {

using ppp2p::test::encoded;
using ppp2p::test::expect_prefixes_refused;
using ppp2p::test::round_trip;

struct Point {
  int x;
  double y;
  bool operator==(const Point&) const = default;
};

struct City {
  std::string name;
  Point where;
  std::vector<int> roads;
  std::array<short, 3> codes;
  std::optional<std::string> note;
  bool operator==(const City&) const = default;
};

class Account {
public:
  Account() = default;
  Account(std::string owner, long balance) : owner_(std::move(owner)), balance_(balance) {}
  bool operator==(const Account&) const = default;
  template <class Archive> void serialize(Archive& archive) { archive(owner_, balance_, history_); }
  void deposit(long amount) {
    balance_ += amount;
    history_.push_back(amount);
  }

private:
  std::string owner_;
  long balance_ = 0;
  std::vector<long> history_;
};

TEST(Codec, ArithmeticAndEnumsRoundTrip) {
  enum class Color : std::uint8_t { red = 3, blue = 200 };
  EXPECT_EQ(round_trip(42), 42);
  EXPECT_EQ(round_trip(-7L), -7L);
  EXPECT_EQ(round_trip(std::numeric_limits<std::uint64_t>::max()),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(round_trip(2.5), 2.5);
  EXPECT_TRUE(std::isnan(round_trip(std::nan(""))));
  EXPECT_EQ(round_trip(Color::blue), Color::blue);
  EXPECT_EQ(round_trip(true), true);
  EXPECT_EQ(round_trip('x'), 'x');
  EXPECT_EQ(encoded(1234567).size(), sizeof(int));
}

TEST(Codec, LongDoubleEncodesOnlyItsSignificantBytes) {
  long double value = 1.0L / 3;
  EXPECT_EQ(round_trip(value), value);
  EXPECT_EQ(encoded(value).size(), 10u);
  // In containers too, and a count of them is not checked against their size in memory.
  std::deque<long double> many(10, value);
  EXPECT_EQ(encoded(many).size(), 1 + 10 * 10u);
  EXPECT_EQ(round_trip(many), many);
  std::vector<long double> in_vector(3, -value);
  EXPECT_EQ(round_trip(in_vector), in_vector);
  expect_prefixes_refused(in_vector);
}

TEST(Codec, BoolRefusesBytesOtherThanZeroAndOne) {
  std::vector<std::byte> bytes{std::byte{2}};
  ppp2p::Reader in(bytes);
  EXPECT_THROW((void)ppp2p::decode<bool>(in), ppp2p::snapshot_error);
}

TEST(Codec, StringsRoundTripOnBothSidesOfTheSmallStringOptimisation) {
  EXPECT_EQ(round_trip(std::string()), "");
  EXPECT_EQ(round_trip(std::string("short")), "short");
  std::string long_text(1000, 'z');
  long_text[500] = '\0';
  EXPECT_EQ(round_trip(long_text), long_text);
  expect_prefixes_refused(std::string("hello"));
}

TEST(Codec, SequencesRoundTrip) {
  std::vector<int> numbers{1, 2, 3, -4};
  EXPECT_EQ(round_trip(numbers), numbers);
  EXPECT_EQ(encoded(numbers).size(), 1 + 4 * sizeof(int)) << "raw elements are copied in bulk";
  std::vector<bool> bits{true, false, true, true, false, false, true, false, true};
  EXPECT_EQ(round_trip(bits), bits);
  std::deque<std::string> words{"a", "bb", "ccc"};
  EXPECT_EQ(round_trip(words), words);
  std::list<double> values{0.5, 1.5};
  EXPECT_EQ(round_trip(values), values);
  std::forward_list<int> forward{3, 1, 2};
  EXPECT_EQ(round_trip(forward), forward);
  std::array<std::string, 2> pair_of_names{"x", "y"};
  EXPECT_EQ(round_trip(pair_of_names), pair_of_names);
  expect_prefixes_refused(words);
}

TEST(Codec, AssociativeContainersRoundTrip) {
  std::map<std::string, int> ordered{{"a", 1}, {"b", 2}};
  EXPECT_EQ(round_trip(ordered), ordered);
  std::multimap<int, int> multi{{1, 1}, {1, 2}, {0, 5}};
  EXPECT_EQ(round_trip(multi), multi);
  std::set<int> set{5, 1, 3};
  EXPECT_EQ(round_trip(set), set);
  std::multiset<int> bag{1, 1, 2};
  EXPECT_EQ(round_trip(bag), bag);
  std::unordered_map<int, std::string> hashed{{1, "one"}, {2, "two"}};
  EXPECT_EQ(round_trip(hashed), hashed);
  std::unordered_set<std::string> names{"p", "q"};
  EXPECT_EQ(round_trip(names), names);
  expect_prefixes_refused(ordered);
}

TEST(Codec, VocabularyTypesRoundTrip) {
  std::optional<std::string> some("yes"), none;
  EXPECT_EQ(round_trip(some), some);
  EXPECT_EQ(round_trip(none), none);
  std::variant<int, std::string, std::vector<int>> v1 = 3, v2 = std::string("s"),
                                                   v3 = std::vector<int>{1};
  EXPECT_EQ(round_trip(v1), v1);
  EXPECT_EQ(round_trip(v2), v2);
  EXPECT_EQ(round_trip(v3), v3);
  std::pair<std::string, int> pair{"k", 9};
  EXPECT_EQ(round_trip(pair), pair);
  std::tuple<int, std::string, double> tuple{1, "t", 0.25};
  EXPECT_EQ(round_trip(tuple), tuple);
  EXPECT_EQ(round_trip(std::tuple<>{}), std::tuple<>{});
  EXPECT_EQ(round_trip(std::monostate{}), std::monostate{});
  auto unique = round_trip(std::make_unique<std::string>("u"));
  ASSERT_TRUE(unique);
  EXPECT_EQ(*unique, "u");
  EXPECT_FALSE(round_trip(std::unique_ptr<int>()));
  auto shared = round_trip(std::make_shared<std::vector<int>>(3, 7));
  ASSERT_TRUE(shared);
  EXPECT_EQ(*shared, std::vector<int>(3, 7));
  expect_prefixes_refused(v2);
  expect_prefixes_refused(tuple);
}

TEST(Codec, VariantRefusesAnIndexOutOfRange) {
  std::vector<std::byte> bytes{std::byte{5}, std::byte{0}};
  ppp2p::Reader in(bytes);
  EXPECT_THROW((void)(ppp2p::decode<std::variant<int, char>>(in)), ppp2p::snapshot_error);
}

TEST(Codec, OptionalRefusesABadFlag) {
  std::vector<std::byte> bytes{std::byte{7}};
  ppp2p::Reader in(bytes);
  EXPECT_THROW((void)ppp2p::decode<std::optional<int>>(in), ppp2p::snapshot_error);
}

TEST(Codec, AggregatesAreEncodedFieldByField) {
  static_assert(ppp2p::detail::aggregate_field_count<City>() == 5);
  City city{"Valletta", {3, 4.5}, {1, 2}, {7, 8, 9}, "capital"};
  EXPECT_EQ(round_trip(city), city);
  std::vector<City> cities{city, City{"Mdina", {0, 0}, {}, {}, std::nullopt}};
  EXPECT_EQ(round_trip(cities), cities);
  expect_prefixes_refused(city);
}

struct ListNode {
  int value;
  std::unique_ptr<ListNode> next;
};

struct MoveOnlyRecord {
  int id;
  std::unique_ptr<ListNode> next;
  std::vector<std::unique_ptr<int>> v;
};

TEST(Codec, AggregatesWithMoveOnlyFieldsRoundTrip) {
  static_assert(ppp2p::detail::aggregate_field_count<MoveOnlyRecord>() == 3);
  static_assert(ppp2p::detail::aggregate_field_count<ListNode>() == 2);
  MoveOnlyRecord record{7, std::make_unique<ListNode>(ListNode{1, nullptr}), {}};
  record.next->next = std::make_unique<ListNode>(ListNode{2, nullptr});
  record.v.push_back(std::make_unique<int>(5));
  record.v.push_back(nullptr);
  record.v.push_back(std::make_unique<int>(-9));
  MoveOnlyRecord back = round_trip(record);
  EXPECT_EQ(back.id, 7);
  ASSERT_TRUE(back.next);
  EXPECT_EQ(back.next->value, 1);
  ASSERT_TRUE(back.next->next);
  EXPECT_EQ(back.next->next->value, 2);
  EXPECT_FALSE(back.next->next->next);
  ASSERT_EQ(back.v.size(), 3u);
  ASSERT_TRUE(back.v[0]);
  EXPECT_EQ(*back.v[0], 5);
  EXPECT_FALSE(back.v[1]);
  ASSERT_TRUE(back.v[2]);
  EXPECT_EQ(*back.v[2], -9);
  EXPECT_EQ(encoded(back), encoded(record));
  MoveOnlyRecord empty = round_trip(MoveOnlyRecord{0, nullptr, {}});
  EXPECT_FALSE(empty.next);
  EXPECT_TRUE(empty.v.empty());
  expect_prefixes_refused(record);
}

TEST(Codec, SlotCodecBuildsAMoveOnlyAggregateInPlace) {
  using Codec = ppp2p::detail::slot_codec<MoveOnlyRecord>;
  MoveOnlyRecord original{3, std::make_unique<ListNode>(ListNode{4, nullptr}), {}};
  original.v.push_back(std::make_unique<int>(8));
  std::vector<std::byte> bytes;
  ppp2p::Writer out(bytes);
  Codec::save(&original, out);
  alignas(MoveOnlyRecord) unsigned char storage[sizeof(MoveOnlyRecord)];
  ppp2p::Reader in(bytes);
  Codec::load(storage, in);
  auto* built = std::launder(reinterpret_cast<MoveOnlyRecord*>(storage));
  EXPECT_EQ(built->id, 3);
  ASSERT_TRUE(built->next);
  EXPECT_EQ(built->next->value, 4);
  ASSERT_EQ(built->v.size(), 1u);
  EXPECT_EQ(*built->v[0], 8);
  Codec::destroy(built);
}

TEST(Codec, TriviallyCopyableTypesAreEncodedAsBytes) {
  Point p{1, 2.0};
  EXPECT_EQ(round_trip(p), p);
  EXPECT_EQ(encoded(p).size(), sizeof(Point));
  std::mt19937 engine(5);
  engine.discard(17);
  std::mt19937 copy = round_trip(engine);
  EXPECT_EQ(copy(), engine());
}

TEST(Codec, SerializeMembersAreUsed) {
  Account account("ann", 10);
  account.deposit(5);
  account.deposit(-3);
  EXPECT_EQ(round_trip(account), account);
  expect_prefixes_refused(account);
}

TEST(Codec, ImpossibleCountsAreRefusedBeforeAllocating) {
  // A vector of 2^60 strings announced in 9 bytes.
  std::vector<std::byte> bytes;
  ppp2p::Writer out(bytes);
  out.varint(std::uint64_t(1) << 60);
  ppp2p::Reader in(bytes);
  EXPECT_THROW((void)ppp2p::decode<std::vector<std::string>>(in), ppp2p::snapshot_error);
  ppp2p::Reader again(bytes);
  EXPECT_THROW((void)ppp2p::decode<std::vector<double>>(again), ppp2p::snapshot_error);
}

TEST(Codec, VarintsRoundTripAndRefuseOverlongInput) {
  for (std::uint64_t value : {std::uint64_t(0), std::uint64_t(127), std::uint64_t(128),
                              std::uint64_t(1) << 35, std::numeric_limits<std::uint64_t>::max()}) {
    std::vector<std::byte> bytes;
    ppp2p::Writer out(bytes);
    out.varint(value);
    ppp2p::Reader in(bytes);
    EXPECT_EQ(in.varint(), value);
  }
  std::vector<std::byte> overlong(11, std::byte{0x80});
  ppp2p::Reader in(overlong);
  EXPECT_THROW(in.varint(), ppp2p::snapshot_error);
  std::vector<std::byte> too_big(9, std::byte{0xff});
  too_big.push_back(std::byte{0x7f});
  ppp2p::Reader big(too_big);
  EXPECT_THROW(big.varint(), ppp2p::snapshot_error);
}

TEST(Codec, SlotCodecConstructsInPlaceAndDestroys) {
  using Codec = ppp2p::detail::slot_codec<std::vector<std::string>>;
  std::vector<std::string> original{"a", "b"};
  std::vector<std::byte> bytes;
  ppp2p::Writer out(bytes);
  Codec::save(&original, out);
  alignas(std::vector<std::string>) unsigned char storage[sizeof(std::vector<std::string>)];
  ppp2p::Reader check(bytes);
  Codec::check(check);
  EXPECT_EQ(check.remaining(), 0u);
  ppp2p::Reader in(bytes);
  Codec::load(storage, in);
  auto* built = std::launder(reinterpret_cast<std::vector<std::string>*>(storage));
  EXPECT_EQ(*built, original);
  Codec::destroy(built);
}

TEST(Codec, SlotCodecOfArraysDestroysPartialWorkOnFailure) {
  using Codec = ppp2p::detail::slot_codec<std::string[3]>;
  std::string original[3] = {"x", "y", "z"};
  std::vector<std::byte> bytes;
  ppp2p::Writer out(bytes);
  Codec::save(original, out);
  bytes.resize(bytes.size() - 1); // the last element is cut short
  alignas(std::string) unsigned char storage[sizeof(std::string) * 3];
  ppp2p::Reader in(bytes);
  EXPECT_THROW(Codec::load(storage, in), ppp2p::snapshot_error);
}

} // namespace
