// Pointers live across a site that point where no snapshot can follow: the capture fails with
// an error naming the variable and where it points, instead of a pointer dangling after a
// resume. (What does move is in the oracle: references_in_place, heap_pointers; and below.)
#include <ppp2p/ppp2p.hpp>
#include <ppp2p/testing.hpp>

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

[[ppp2p::process_local]] int counters[4];
[[ppp2p::process_local]] std::vector<long> cache(16, 1);

int* counter_for(int i) {
  return &counters[i % 4];
}
long* cached(int i) {
  return cache.data() + i % 16;
}

[[ppp2p::checkpointable]] int bump(int n) {
  int* counter = counter_for(n); // not visible to the compiler: refused at capture
  ppp2p::checkpoint();
  return ++*counter;
}

[[ppp2p::checkpointable]] long peek(int n) {
  long* entry = cached(n);
  ppp2p::checkpoint();
  return *entry;
}

std::string capture_error(auto fn, int arg) {
  try {
    ppp2p::testing::record(fn, arg);
  } catch (const ppp2p::error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::capture_failed);
    return e.what();
  }
  return "no error";
}

} // namespace

TEST(PointerCapture, APointerIntoAMutableGlobalFailsTheCaptureNamingTheVariable) {
  std::string what = capture_error(bump, 2);
  EXPECT_NE(what.find("`counter` (int *) in `"), std::string::npos) << what;
  EXPECT_NE(what.find("bump(int)"), std::string::npos) << what;
  EXPECT_NE(what.find("a mutable global variable"), std::string::npos) << what;
}

TEST(PointerCapture, APointerIntoMemoryNoFrameHoldsFailsTheCaptureNamingTheVariable) {
  std::string what = capture_error(peek, 5);
  EXPECT_NE(what.find("`entry` (long *)"), std::string::npos) << what;
  EXPECT_NE(what.find("the heap"), std::string::npos) << what;
}

// A root function taking its arguments by reference, as people write it: the references point
// into the arguments the VT's entry holds, which move with it.
[[ppp2p::checkpointable]] long weigh_slowly(const std::vector<long>& weights,
                                            const std::string& label) {
  long sum = 0;
  const long* cursor = weights.data(); // into the heap memory of an argument
  for (std::size_t i = 0; i < weights.size(); ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    sum += *cursor++ * long(label.size()) + label[i % label.size()];
    ppp2p::checkpoint();
  }
  return sum;
}

TEST(PointerCapture, ReferenceParametersOfASpawnedFunctionMoveWithIt) {
  std::vector<long> weights(400);
  for (std::size_t i = 0; i < weights.size(); ++i)
    weights[i] = long(i * 7 % 13);
  std::string label = "a label longer than the small-string buffer";
  long expected = weigh_slowly(weights, label);
  ppp2p::VirtualComputer vc({.workers = 2});
  auto vt = vc.spawn(weigh_slowly, weights, label);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(vt.migrate(std::chrono::seconds(10)));
  EXPECT_TRUE(vt.migrate(std::chrono::seconds(10))) << "a second hop";
  EXPECT_EQ(vt.get(), expected);
  EXPECT_EQ(vt.resumes(), 2u);
}

// A root changing what it takes by non-const reference, and a non-const member changing its
// object: a resume must see the changes made before the capture, not the spawn's arguments.
[[ppp2p::checkpointable]] long fill_slowly(std::vector<long>& out, int n) {
  for (int i = 0; i < n; ++i) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    out.push_back((out.back() * 31 + i) % 1009);
    ppp2p::checkpoint();
  }
  long sum = 0;
  for (long v : out)
    sum += v;
  return sum * 1000 + long(out.size());
}

class Accumulator {
public:
  explicit Accumulator(long start) : total_(start) {}
  [[ppp2p::checkpointable]] long run(int n) {
    for (int i = 0; i < n; ++i) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      total_ = (total_ * 7 + i) % 100003;
      steps_.push_back(i);
      ppp2p::checkpoint();
    }
    return total_ * 1000 + long(steps_.size());
  }

private:
  long total_;
  std::vector<int> steps_;
};

TEST(PointerCapture, WhatARootChangesThroughAReferenceOrItsObjectMovesWithIt) {
  std::vector<long> start{5};
  std::vector<long> local = start;
  long expected_fill = fill_slowly(local, 300);
  long expected_run = Accumulator(9).run(300);
  ppp2p::VirtualComputer vc({.workers = 2});
  auto filler = vc.spawn(fill_slowly, start, 300);
  auto member = vc.spawn(&Accumulator::run, Accumulator(9), 300);
  std::this_thread::sleep_for(std::chrono::milliseconds(15));
  EXPECT_TRUE(filler.migrate(std::chrono::seconds(10)));
  EXPECT_TRUE(member.migrate(std::chrono::seconds(10)));
  EXPECT_TRUE(filler.migrate(std::chrono::seconds(10))) << "a second hop";
  EXPECT_EQ(filler.get(), expected_fill);
  EXPECT_EQ(member.get(), expected_run);
  EXPECT_EQ(filler.resumes(), 2u);
  EXPECT_EQ(member.resumes(), 1u);
}

// An aggregate with a checkpointable member function, spawned on a copy of an object.
struct Tally {
  std::vector<long> values;
  long bonus = 0;

  [[ppp2p::checkpointable]] long sum_slowly(int scale) const {
    long sum = bonus;
    for (const long& value : values) { // a range-for over a member: relocated pointers
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      sum += value * scale;
      ppp2p::checkpoint();
    }
    return sum;
  }
};

// A polymorphic class with private state: its virtual member is spawned on a copy, resolved
// for the copy's class.
class Walker {
public:
  virtual ~Walker() = default;
  [[ppp2p::checkpointable]] virtual long walk(int steps) const { return steps; }
};

class Striding final : public Walker {
public:
  explicit Striding(long stride) : stride_(stride) {}
  [[ppp2p::checkpointable]] long walk(int steps) const override {
    long at = 0;
    for (int i = 0; i < steps; ++i) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      at = (at + stride_ * i) % 10007;
      ppp2p::checkpoint();
    }
    return at;
  }

private:
  long stride_;
};

TEST(PointerCapture, MemberFunctionsVirtualOnesTooAreSpawnedOnACopyOfTheObjectWhichMovesWithIt) {
  Tally tally{std::vector<long>(300, 2), 11};
  for (std::size_t i = 0; i < tally.values.size(); ++i)
    tally.values[i] += long(i % 5);
  long expected = tally.sum_slowly(3);
  ppp2p::VirtualComputer vc({.workers = 2});
  auto vt = vc.spawn(&Tally::sum_slowly, tally, 3);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(vt.migrate(std::chrono::seconds(10)));
  EXPECT_EQ(vt.get(), expected);
  EXPECT_EQ(vt.resumes(), 1u);

  Striding striding(7);
  long expected_walk = striding.walk(300);
  auto walker = vc.spawn(&Striding::walk, striding, 300); // virtual: resolved for a Striding
  std::this_thread::sleep_for(std::chrono::milliseconds(15));
  EXPECT_TRUE(walker.migrate(std::chrono::seconds(10)));
  EXPECT_EQ(walker.get(), expected_walk);
  EXPECT_EQ(walker.resumes(), 1u);

  try {
    const Walker& as_base = striding;
    vc.spawn(&Walker::walk, as_base, 3); // a Striding as a Walker: its copy would be sliced
    FAIL() << "a derived object was spawned as its base";
  } catch (const ppp2p::error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::spawn_refused);
    EXPECT_NE(std::string(e.what()).find("would slice"), std::string::npos) << e.what();
  }
}

// Classes defined inside a function (and inside a member function) are registered for the
// smart pointers to their base like those of namespaces: an object of one, owned as its base,
// moves as its class.
[[ppp2p::checkpointable]] long keep_local_walker(int steps) {
  struct Doubling : Walker {
    explicit Doubling(long factor) : factor(factor) {}
    long walk(int n) const override { return factor * n; }
    long factor;
  };
  std::vector<std::unique_ptr<Walker>> walkers;
  walkers.push_back(std::make_unique<Doubling>(2));
  walkers.push_back(std::make_unique<Walker>()); // the base itself
  walkers.push_back(std::make_unique<Doubling>(5));
  long total = 0;
  for (const auto& walker : walkers) {
    ppp2p::checkpoint();
    total = total * 100 + walker->walk(steps);
  }
  return total;
}

TEST(PointerCapture, ObjectsOfLocalClassesOwnedAsTheirBaseMoveAsTheirClass) {
  long plain = keep_local_walker(3);
  auto recording = ppp2p::testing::record(keep_local_walker, 3);
  ASSERT_EQ(recording.snapshots.size(), 3u);
  for (const auto& snapshot : recording.snapshots)
    EXPECT_EQ(ppp2p::testing::resume<long>(snapshot), plain);
}

// Union-find with pointers into a vector of the frame: each parent is an element of `sets`, so
// the capture fails naming the class (moved as objects of their own, the parents would be
// copies after a resume, and unions made later would not reach the vector).
struct Set {
  int rank;
  Set* parent;
};

Set* find_root(Set* s) {
  while (s->parent != s)
    s = s->parent;
  return s;
}

[[ppp2p::checkpointable]] int count_sets(int n) {
  std::vector<Set> sets(std::size_t(n), Set{0, nullptr});
  for (Set& s : sets)
    s.parent = &s;
  for (int i = 0; i + 2 < n; i += 2) {
    find_root(&sets[std::size_t(i)])->parent = find_root(&sets[std::size_t(i) + 2]);
    ppp2p::checkpoint();
  }
  int roots = 0;
  for (Set& s : sets)
    roots += s.parent == &s;
  return roots;
}

TEST(PointerCapture, RawPointersIntoAVectorOfTheFramesFailTheCaptureNamingTheClass) {
  try {
    ppp2p::testing::record(count_sets, 8);
    FAIL() << "captured pointers into a vector's elements as objects of their own";
  } catch (const ppp2p::error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::encode_failed);
    std::string what = e.what();
    EXPECT_NE(what.find("`Set`"), std::string::npos) << what;
    EXPECT_TRUE(what.find("an element of a container") != std::string::npos ||
                what.find("not the start of an object") != std::string::npos)
        << what;
  }
}

// Structures of `new`ed nodes linked by raw pointers, as textbooks write them (the oracle's
// raw_pointer_structures resumes them at every site): a binary search tree given to a VT as
// its argument, grown inside the VT with a site in the recursion, migrated twice, and returned.
namespace {

struct TreeNode {
  int key;
  TreeNode* left;
  TreeNode* right;
};

[[ppp2p::checkpointable]] TreeNode* insert_slowly(TreeNode* node, int key) {
  if (!node)
    return new TreeNode{key, nullptr, nullptr};
  std::this_thread::sleep_for(std::chrono::microseconds(100));
  ppp2p::checkpoint();
  if (key < node->key)
    node->left = insert_slowly(node->left, key);
  else
    node->right = insert_slowly(node->right, key);
  return node;
}

[[ppp2p::checkpointable]] TreeNode* grow(TreeNode* root, int count) {
  for (int i = 0; i < count; ++i)
    root = insert_slowly(root, (i * 7919) % 1000);
  return root;
}

void in_order(const TreeNode* node, std::vector<int>& out) {
  if (!node)
    return;
  in_order(node->left, out);
  out.push_back(node->key);
  in_order(node->right, out);
}

void free_tree(TreeNode* node) {
  if (!node)
    return;
  free_tree(node->left);
  free_tree(node->right);
  delete node;
}

struct Settings {
  int scale = 1;
};

class Worker {
public:
  explicit Worker(std::shared_ptr<Settings> settings) : settings_(std::move(settings)) {}
  long apply(long v) const { return v * settings_->scale; }

private:
  std::shared_ptr<Settings> settings_;
};

// Structures several variables reach: two lists that meet, a shared_ptr held by a local and by
// an object, a raw pointer into that object's settings.
[[ppp2p::checkpointable]] long two_views(int n) {
  auto* first = new TreeNode{n, nullptr, nullptr};
  first->right = new TreeNode{n + 1, nullptr, nullptr};
  TreeNode* second = new TreeNode{n - 1, nullptr, first->right}; // shares a node with `first`
  auto settings = std::make_shared<Settings>();
  Worker worker(settings);
  Settings* direct = settings.get();
  ppp2p::checkpoint();
  second->right->key += 10; // seen through `first` too
  settings->scale = 3;      // seen by `worker` too
  direct->scale += 1;
  long sum = worker.apply(first->right->key) + second->right->key + settings.use_count();
  delete first->right;
  delete first;
  delete second;
  return sum;
}

struct Animal {
  virtual ~Animal() = default;
  virtual int legs() const { return 0; }
};
struct Dog final : Animal {
  int legs() const override { return 4; }
};

[[ppp2p::checkpointable]] int count_legs(int n) {
  std::vector<std::unique_ptr<Animal>> owners;
  owners.push_back(std::make_unique<Animal>());
  owners.push_back(std::make_unique<Dog>());
  std::vector<Animal*> zoo{owners[0].get(), owners[1].get()}; // raw pointers to a base
  ppp2p::checkpoint();
  int legs = 0;
  for (Animal* a : zoo)
    legs += a->legs() * n;
  return legs;
}

} // namespace

TEST(PointerCapture, ATreeOfNewedNodesIsAnArgumentGrowsMigratesAndIsTheResult) {
  TreeNode* seed = nullptr;
  for (int key : {500, 250, 750})
    seed = new TreeNode{key, seed, nullptr};
  std::vector<int> expected;
  {
    TreeNode* local = grow(nullptr, 0);
    EXPECT_EQ(local, nullptr);
  }
  ppp2p::VirtualComputer vc({.workers = 2});
  auto vt = vc.spawn(grow, seed, 60);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(vt.migrate(std::chrono::seconds(10)));
  EXPECT_TRUE(vt.migrate(std::chrono::seconds(10))) << "a second hop";
  TreeNode* grown = vt.get();
  EXPECT_EQ(vt.resumes(), 2u);
  std::vector<int> keys;
  in_order(grown, keys);
  // The same tree grown here, from a copy of the seed.
  TreeNode* copy = nullptr;
  for (int key : {500, 250, 750})
    copy = new TreeNode{key, copy, nullptr};
  copy = grow(copy, 60);
  in_order(copy, expected);
  EXPECT_EQ(keys, expected);
  EXPECT_EQ(keys.size(), 63u);
  free_tree(grown);
  free_tree(copy);
  free_tree(seed);
}

TEST(PointerCapture, AStructureSeveralVariablesReachMovesOnceAndStaysShared) {
  long plain = two_views(5);
  EXPECT_EQ(plain, (6 + 10) * 4 + 16 + 2);
  auto recording = ppp2p::testing::record(two_views, 5);
  EXPECT_EQ(recording.result, plain);
  ASSERT_EQ(recording.snapshots.size(), 1u);
  EXPECT_EQ(ppp2p::testing::resume<long>(recording.snapshots[0]), plain);
  auto again = ppp2p::testing::record_resume<long>(recording.snapshots[0]);
  EXPECT_EQ(again.result, plain);
}

TEST(PointerCapture, ARawPointerToABaseOwningADerivedObjectFailsNamingTheClass) {
  try {
    ppp2p::testing::record(count_legs, 1);
    ADD_FAILURE() << "moved a Dog as an Animal";
  } catch (const ppp2p::error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("`zoo`"), std::string::npos) << what;
    EXPECT_NE(what.find("Dog"), std::string::npos) << what;
    EXPECT_NE(what.find("unique_ptr"), std::string::npos) << what;
  }
}
