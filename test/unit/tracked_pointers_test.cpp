// Raw pointers to class objects, and smart pointers, through ppp2p::encode/decode: the objects
// they reach move once each (include/ppp2p/detail/tracked_pointers.hpp), sharing and cycles
// kept, built with new; pointers the encoding cannot follow are refused naming the class.
#include "codec_test_support.hpp"

#include <ppp2p/codec.hpp>
#include <ppp2p/errors.hpp>

#include <gtest/gtest.h>

#include <pthread.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using ppp2p::test::encoded;

// Written as textbooks write them: aggregates with raw links, freed by their owners.
struct ListNode {
  long value;
  ListNode* prev;
  ListNode* next;
};

struct DoublyLinked {
  ListNode* head = nullptr;
  ListNode* tail = nullptr;
  std::size_t size = 0;
};

void push_back(DoublyLinked& list, long value) {
  auto* node = new ListNode{value, list.tail, nullptr};
  (list.tail ? list.tail->next : list.head) = node;
  list.tail = node;
  ++list.size;
}

void free_list(DoublyLinked& list) {
  for (ListNode* n = list.head; n;) {
    ListNode* next = n->next;
    delete n;
    n = next;
  }
  list = {};
}

template <class T> T decoded(const std::vector<std::byte>& bytes) {
  ppp2p::Reader in(bytes);
  T value = ppp2p::decode<T>(in);
  EXPECT_EQ(in.remaining(), 0u);
  return value;
}

TEST(TrackedPointers, AnAggregateWithPointersIsNotItsBytes) {
  static_assert(!ppp2p::detail::raw_bytes<ListNode>);
  static_assert(!ppp2p::detail::raw_bytes<DoublyLinked>);
  struct Plain {
    int a;
    double b[2];
  };
  static_assert(ppp2p::detail::raw_bytes<Plain>); // arrays of numbers stay bytes
  SUCCEED();
}

TEST(TrackedPointers, AMillionNodeListMovesWithoutRecursion) {
  DoublyLinked list;
  for (long i = 0; i < 1000000; ++i)
    push_back(list, i * 3);
  std::vector<std::byte> bytes = encoded(list);
  DoublyLinked back = decoded<DoublyLinked>(bytes);
  ASSERT_EQ(back.size, list.size);
  ASSERT_NE(back.head, list.head);
  long expected = 0;
  ListNode* previous = nullptr;
  for (ListNode* n = back.head; n; n = n->next, expected += 3) {
    ASSERT_EQ(n->value, expected);
    ASSERT_EQ(n->prev, previous);
    previous = n;
  }
  EXPECT_EQ(previous, back.tail);
  EXPECT_EQ(expected, 3000000);
  free_list(list);
  free_list(back);
}

struct GraphNode {
  std::string name;
  std::vector<GraphNode*> edges;
};

TEST(TrackedPointers, SharedTargetsAndCyclesAreBuiltOnce) {
  auto* a = new GraphNode{"a", {}};
  auto* b = new GraphNode{"b", {}};
  auto* c = new GraphNode{"c", {}};
  a->edges = {b, c, a}; // a loop on itself
  b->edges = {c};
  c->edges = {a, b}; // cycles back
  std::vector<GraphNode*> roots{a, c, c};
  std::vector<GraphNode*> back = decoded<std::vector<GraphNode*>>(encoded(roots));
  ASSERT_EQ(back.size(), 3u);
  GraphNode* a2 = back[0];
  GraphNode* c2 = back[1];
  EXPECT_EQ(back[2], c2);
  EXPECT_EQ(a2->name, "a");
  ASSERT_EQ(a2->edges.size(), 3u);
  EXPECT_EQ(a2->edges[1], c2);
  EXPECT_EQ(a2->edges[2], a2);
  GraphNode* b2 = a2->edges[0];
  EXPECT_EQ(b2->name, "b");
  EXPECT_EQ(b2->edges, std::vector<GraphNode*>{c2});
  EXPECT_EQ(c2->edges, (std::vector<GraphNode*>{a2, b2}));
  for (GraphNode* n : {a, b, c, a2, b2, c2})
    delete n;
}

struct Dir {
  std::string name;
  Dir* parent = nullptr;
  std::vector<std::unique_ptr<Dir>> children;
};

TEST(TrackedPointers, RawPointersBackToObjectsUniquePtrsOwn) {
  auto top = std::make_unique<Dir>();
  top->name = "top";
  for (const char* name : {"src", "doc"}) {
    top->children.push_back(std::make_unique<Dir>());
    top->children.back()->name = name;
    top->children.back()->parent = top.get();
  }
  Dir* src = top->children[0].get();
  src->children.push_back(std::make_unique<Dir>(Dir{"lib", src, {}}));
  // The deepest directory is reached by a raw pointer before its owner is met.
  std::pair<Dir*, std::unique_ptr<Dir>> value{src->children[0].get(), std::move(top)};
  auto back = decoded<std::pair<Dir*, std::unique_ptr<Dir>>>(encoded(value));
  Dir* lib = back.first;
  ASSERT_NE(lib, nullptr);
  EXPECT_EQ(lib->name, "lib");
  EXPECT_EQ(lib->parent, back.second->children[0].get());
  EXPECT_EQ(lib->parent->parent, back.second.get());
  EXPECT_EQ(back.second->children[0]->children[0].get(), lib); // owned, not copied
  EXPECT_EQ(back.second->children[1]->parent, back.second.get());
}

struct Counter {
  long hits = 0;
};

TEST(TrackedPointers, SharedPtrsShareOneObjectAfterTheMove) {
  auto one = std::make_shared<Counter>();
  auto two = std::make_shared<Counter>();
  std::vector<std::shared_ptr<Counter>> owners{one, two, one, nullptr, one};
  Counter* observer = two.get(); // a raw pointer to an object a shared_ptr owns
  auto back = decoded<std::pair<std::vector<std::shared_ptr<Counter>>, Counter*>>(
      encoded(std::pair{owners, observer}));
  auto& moved = back.first;
  ASSERT_EQ(moved.size(), 5u);
  EXPECT_EQ(moved[0], moved[2]);
  EXPECT_EQ(moved[0], moved[4]);
  EXPECT_EQ(moved[0].use_count(), 3);
  EXPECT_EQ(moved[1].use_count(), 1);
  EXPECT_EQ(moved[3], nullptr);
  EXPECT_EQ(back.second, moved[1].get());
  moved[2]->hits = 9;
  EXPECT_EQ(moved[0]->hits, 9);
}

struct Leaf {
  int marker;
};
const Leaf kConstantLeaf{42};
Leaf mutable_leaf{7};

struct Holder {
  const Leaf* leaf;
  Leaf* other;
};

TEST(TrackedPointers, APointerToAConstGlobalStaysThatGlobal) {
  Holder back = decoded<Holder>(encoded(Holder{&kConstantLeaf, nullptr}));
  EXPECT_EQ(back.leaf, &kConstantLeaf);
  EXPECT_EQ(back.other, nullptr);
}

void expect_encode_refused(const Holder& holder, const char* says) {
  try {
    (void)encoded(holder);
    ADD_FAILURE() << "encoded a pointer it cannot follow";
  } catch (const ppp2p::error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::encode_failed);
    EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Leaf"), std::string::npos) << e.what();
  }
}

TEST(TrackedPointers, PointersIntoAStackOrAMutableGlobalAreRefusedNamingTheClass) {
  Leaf local{1};
  expect_encode_refused(Holder{nullptr, &local}, "stack");
  expect_encode_refused(Holder{nullptr, &mutable_leaf}, "writable memory");
}

// Union-find as people write it with pointers: parents are elements of the same vector. Moved
// as objects of their own, they would no longer be those elements after a resume.
struct Member {
  int rank;
  Member* parent;
};

struct Forest {
  std::vector<Member> members;
};

struct Pair {
  Leaf first;
  Leaf second;
};

struct Handles {
  Pair* pair;  // made with new
  Leaf* inner; // a member of *pair
};

template <class T> void expect_inside_refused(const T& value, const char* class_name) {
  try {
    (void)encoded(value);
    ADD_FAILURE() << "encoded a raw pointer into another object as an object of its own";
  } catch (const ppp2p::error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::encode_failed);
    std::string what = e.what();
    EXPECT_NE(what.find(class_name), std::string::npos) << what;
    // Without a sanitizer the encoding finds the memory that holds it; with one, the
    // allocator says it is not the start of an object made with new.
    EXPECT_TRUE(what.find("inside ") != std::string::npos ||
                what.find("not the start of an object") != std::string::npos)
        << what;
  }
}

TEST(TrackedPointers, PointersIntoContainerElementsOrMembersAreRefusedNamingTheClass) {
  Forest forest;
  forest.members.resize(4, Member{0, nullptr});
  for (std::size_t i = 0; i < forest.members.size(); ++i)
    forest.members[i].parent = &forest.members[i / 2]; // the first element too
  expect_inside_refused(forest, "Member");

  Forest first_only;
  first_only.members.push_back(Member{1, nullptr});
  first_only.members[0].parent = &first_only.members[0]; // a vector of one: its own start
  expect_inside_refused(first_only, "Member");

  auto owner = std::make_unique<Pair>(Pair{{1}, {2}});
  Handles handles{owner.get(), &owner->second};
  expect_inside_refused(handles, "Leaf");
  Handles at_start{owner.get(), &owner->first}; // also reached as the Pair itself
  try {
    (void)encoded(at_start);
    ADD_FAILURE() << "encoded one address as a Pair and as its first Leaf";
  } catch (const ppp2p::error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::encode_failed);
  }

  // Objects made with new, each on its own, still move (the check finds nothing to refuse).
  auto* a = new Member{1, nullptr};
  auto* b = new Member{2, a};
  a->parent = b;
  struct Two {
    Member* a;
    Member* b;
  };
  Two back = decoded<Two>(encoded(Two{a, b}));
  EXPECT_EQ(back.a->parent, back.b);
  EXPECT_EQ(back.b->parent, back.a);
  EXPECT_EQ(back.b->rank, 2);
  delete a;
  delete b;
  delete back.a;
  delete back.b;
}

// A list linked by unique_ptrs, as modern C++ writes it: each link's object moves inside its
// owner's encoding (recursion), so a chain too long for the thread's stack fails naming the
// class instead of overflowing it, when encoded and when decoded.
struct Link {
  long value;
  std::unique_ptr<Link> next;
};

std::unique_ptr<Link> chain_of(int n) {
  std::unique_ptr<Link> head;
  for (int i = 0; i < n; ++i)
    head = std::make_unique<Link>(Link{i, std::move(head)});
  return head;
}

void free_chain(std::unique_ptr<Link>& head) {
  while (head) // iteratively: the default destructor recurses once per link too
    head = std::move(head->next);
}

/// Runs `work` on a thread with a stack of `bytes`.
void on_a_stack_of(std::size_t bytes, const std::function<void()>& work) {
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, bytes);
  pthread_t thread;
  auto run = [](void* argument) -> void* {
    (*static_cast<const std::function<void()>*>(argument))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&thread, &attributes, run, const_cast<std::function<void()>*>(&work)),
            0);
  pthread_join(thread, nullptr);
  pthread_attr_destroy(&attributes);
}

TEST(TrackedPointers, AChainOfUniquePtrsTooDeepForTheStackFailsNamingTheClass) {
  std::unique_ptr<Link> longest = chain_of(2000000);
  try {
    (void)encoded(longest);
    ADD_FAILURE() << "encoded a chain of two million unique_ptrs";
  } catch (const ppp2p::error& e) {
    EXPECT_EQ(e.code(), ppp2p::errc::encode_failed);
    EXPECT_NE(std::string(e.what()).find("Link`"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("nested too deeply"), std::string::npos) << e.what();
  }
  free_chain(longest);

  // Encoded on a thread with a large stack, decoded on one whose stack (640 KiB) cannot hold
  // as many links (sizes that hold with the sanitizers' larger frames too).
  std::unique_ptr<Link> chain = chain_of(4000);
  std::vector<std::byte> bytes;
  std::string decoded_there;
  on_a_stack_of(64 << 20, [&] {
    bytes = encoded(chain);
    std::unique_ptr<Link> back = decoded<std::unique_ptr<Link>>(bytes);
    EXPECT_TRUE(back && back->value == 3999);
    free_chain(back);
  });
  free_chain(chain);
  on_a_stack_of(640 << 10, [&] {
    try {
      ppp2p::Reader in(bytes);
      auto back = ppp2p::decode<std::unique_ptr<Link>>(in);
      free_chain(back);
      decoded_there = "decoded";
    } catch (const ppp2p::snapshot_error& e) {
      decoded_there = e.what();
    }
  });
  EXPECT_NE(decoded_there.find("nested too deeply to decode"), std::string::npos) << decoded_there;
}

TEST(TrackedPointers, DamagedEncodingsAreRefused) {
  auto* node = new ListNode{5, nullptr, nullptr};
  node->next = node;
  std::vector<std::byte> bytes = encoded(node);
  delete node;
  // [fresh][value: 8 bytes][prev: null][next: seen 0]
  ASSERT_EQ(bytes.size(), 1u + 8 + 1 + 2);
  auto refused = [](std::vector<std::byte> damaged, const char* says) {
    ppp2p::Reader in(damaged);
    try {
      ListNode* back = ppp2p::decode<ListNode*>(in);
      ADD_FAILURE() << "decoded " << back;
    } catch (const ppp2p::snapshot_error& e) {
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
    }
  };
  auto seen_out_of_range = bytes;
  seen_out_of_range.back() = std::byte{7};
  refused(seen_out_of_range, "object #7 of 1");
  auto bad_tag = bytes;
  bad_tag[0] = std::byte{9};
  refused(bad_tag, "pointer tag 9");
  refused({bytes.begin(), bytes.end() - 1}, "varint runs past the end");
}

TEST(TrackedPointers, CodecsCalledOutsideEncodeSayHowToCallThem) {
  std::vector<std::byte> bytes;
  ppp2p::Writer out(bytes);
  ListNode* heap = new ListNode{1, nullptr, nullptr};
  EXPECT_THROW(ppp2p::codec<ListNode*>::save(out, heap), std::logic_error);
  delete heap;
}

} // namespace
