// Structures of `new`ed objects linked by raw pointers, written the way textbooks write them:
// an AVL tree driven by `Node* root = insert(root, key)` with a site inside the recursion, a
// doubly linked list class walked with a `Node*` cursor, a chained hash table (a vector of
// bucket heads), a circular list, a tree owning its children through unique_ptr with raw parent
// pointers, two lists that meet, shared_ptrs sharing one object (in a vector and a local), and
// a pointer to a const global sentinel. Each object moves once (sharing and cycles kept, also
// between variables) and is built with `new`, so the program's own `delete` frees it after a
// resume.
#include "../oracle.hpp"

#include <memory>
#include <string>
#include <vector>

// --- AVL tree, C style ---------------------------------------------------------------------

struct Node {
  int key;
  Node* left;
  Node* right;
  int height;
};

int height(Node* n) {
  return n ? n->height : 0;
}

int max_of(int a, int b) {
  return a > b ? a : b;
}

Node* new_node(int key) {
  return new Node{key, nullptr, nullptr, 1};
}

Node* rotate_right(Node* y) {
  Node* x = y->left;
  Node* t2 = x->right;
  x->right = y;
  y->left = t2;
  y->height = max_of(height(y->left), height(y->right)) + 1;
  x->height = max_of(height(x->left), height(x->right)) + 1;
  return x;
}

Node* rotate_left(Node* x) {
  Node* y = x->right;
  Node* t2 = y->left;
  y->left = x;
  x->right = t2;
  x->height = max_of(height(x->left), height(x->right)) + 1;
  y->height = max_of(height(y->left), height(y->right)) + 1;
  return y;
}

[[ppp2p::checkpointable]] Node* insert(Node* node, int key) {
  if (!node)
    return new_node(key);
  ppp2p::checkpoint();
  if (key < node->key)
    node->left = insert(node->left, key);
  else if (key > node->key)
    node->right = insert(node->right, key);
  else
    return node;
  node->height = 1 + max_of(height(node->left), height(node->right));
  int balance = height(node->left) - height(node->right);
  if (balance > 1 && key < node->left->key)
    return rotate_right(node);
  if (balance < -1 && key > node->right->key)
    return rotate_left(node);
  if (balance > 1 && key > node->left->key) {
    node->left = rotate_left(node->left);
    return rotate_right(node);
  }
  if (balance < -1 && key < node->right->key) {
    node->right = rotate_right(node->right);
    return rotate_left(node);
  }
  return node;
}

long in_order(Node* n, long acc) {
  if (!n)
    return acc;
  acc = in_order(n->left, acc);
  acc = (acc * 31 + n->key * 7 + n->height) % 1000000007;
  return in_order(n->right, acc);
}

void free_tree(Node* n) {
  if (!n)
    return;
  free_tree(n->left);
  free_tree(n->right);
  delete n;
}

// --- a doubly linked list class with private links ------------------------------------------

class List {
public:
  List() = default;
  List(const List&) = delete;
  List& operator=(const List&) = delete;
  List(List&& other) noexcept
      : head_(std::exchange(other.head_, nullptr)), tail_(std::exchange(other.tail_, nullptr)),
        size_(std::exchange(other.size_, 0)) {}
  ~List() {
    while (head_) {
      Item* next = head_->next;
      delete head_;
      head_ = next;
    }
  }

  void push_back(std::string text) {
    Item* item = new Item{std::move(text), tail_, nullptr};
    (tail_ ? tail_->next : head_) = item;
    tail_ = item;
    ++size_;
  }

  struct Item {
    std::string text;
    Item* prev;
    Item* next;
  };
  Item* head() const { return head_; }
  Item* tail() const { return tail_; }
  int size() const { return size_; }

private:
  Item* head_ = nullptr;
  Item* tail_ = nullptr;
  int size_ = 0;
};

// --- a chained hash table --------------------------------------------------------------------

struct Entry {
  std::string key;
  long value;
  Entry* next;
};

class HashTable {
public:
  explicit HashTable(std::size_t buckets) : buckets_(buckets, nullptr) {}
  HashTable(HashTable&& other) noexcept : buckets_(std::move(other.buckets_)) {}
  ~HashTable() {
    for (Entry* e : buckets_)
      while (e) {
        Entry* next = e->next;
        delete e;
        e = next;
      }
  }
  void add(const std::string& key, long value) {
    Entry*& head = buckets_[std::hash<std::string>{}(key) % buckets_.size()];
    for (Entry* e = head; e; e = e->next)
      if (e->key == key) {
        e->value += value;
        return;
      }
    head = new Entry{key, value, head};
  }
  long digest() const {
    long d = 0;
    for (std::size_t b = 0; b < buckets_.size(); ++b)
      for (Entry* e = buckets_[b]; e; e = e->next)
        d = (d * 131 + long(b) * 17 + e->value + long(e->key.size())) % 1000000007;
    return d;
  }

private:
  std::vector<Entry*> buckets_;
};

// --- a tree owning its children, with raw parent pointers -----------------------------------

struct Dir {
  std::string name;
  Dir* parent = nullptr;
  std::vector<std::unique_ptr<Dir>> children;

  Dir* add(std::string child) {
    children.push_back(std::make_unique<Dir>());
    children.back()->name = std::move(child);
    children.back()->parent = this;
    return children.back().get();
  }
  std::string path() const { return parent ? parent->path() + "/" + name : name; }
};

struct Counter {
  long hits = 0;
};

struct Sentinel {
  int marker;
};
const Sentinel kEnd{-1};

[[ppp2p::checkpointable]] long run(int n) {
  long total = 0;

  // The AVL tree: sites inside the recursion, the tree reachable only through raw pointers.
  Node* root = nullptr;
  for (int i = 0; i < n; ++i)
    root = insert(root, (i * 37) % (2 * n));
  total += in_order(root, 0);

  // The list, walked with a cursor into it, extended while walked.
  List list;
  for (int i = 0; i < 5; ++i)
    list.push_back("item" + std::to_string(i));
  List::Item* cursor = list.head();
  while (cursor) {
    ppp2p::checkpoint();
    total = (total * 3 + long(cursor->text.size()) + (cursor->prev ? 1 : 0)) % 1000000007;
    if (cursor->text.size() < 7 && list.size() < 8)
      list.push_back(cursor->text + "x");
    cursor = cursor->next;
  }
  for (List::Item* back = list.tail(); back; back = back->prev)
    total = (total * 5 + long(back->text.size())) % 1000000007;

  // The hash table.
  HashTable table(7);
  for (int i = 0; i < n; ++i) {
    table.add("w" + std::to_string(i % 11), i);
    if (i % 4 == 0)
      ppp2p::checkpoint();
  }
  total += table.digest();

  // A circular list: every node reached twice.
  Node* ring = new Node{0, nullptr, nullptr, 0};
  ring->right = ring;
  for (int i = 1; i < 4; ++i) {
    Node* next = new Node{i, ring, ring->right, 0};
    ring->right = next;
  }
  ppp2p::checkpoint();
  Node* walk = ring;
  for (int i = 0; i < 9; ++i) {
    total = (total * 7 + walk->key) % 1000000007;
    walk = walk->right;
  }

  // Unique_ptr children with raw parents, and a raw pointer to a grandchild.
  Dir top{"top"};
  Dir* src = top.add("src");
  Dir* deep = src->add("lib")->add("util");
  top.add("docs");
  ppp2p::checkpoint();
  total += long(deep->path().size()) * 1000 + long(deep->parent->parent->children.size());

  // Two lists that meet: each variable reaches the shared tail.
  Node* tail = new Node{100, nullptr, nullptr, 0};
  Node* one = new Node{1, nullptr, tail, 0};
  Node* two = new Node{2, nullptr, new Node{3, nullptr, tail, 0}, 0};
  ppp2p::checkpoint();
  one->right->key += 5; // the tail, through `one`
  total = (total * 13 + two->right->right->key + tail->key) % 1000000007;
  delete two->right;
  delete two;
  delete one;
  delete tail;

  // An object met first through a raw pointer, then owned by a unique_ptr in a later
  // variable, and a pointer into another object that variable owns.
  Node* loose = new Node{7, nullptr, nullptr, 0};
  std::vector<Node*> view{loose};
  std::vector<std::unique_ptr<Node>> owned;
  owned.emplace_back(loose);
  owned.push_back(std::make_unique<Node>(Node{8, nullptr, nullptr, 0}));
  int* key = &owned[1]->key;
  ppp2p::checkpoint();
  *key += view[0]->key;
  total = (total * 17 + owned[1]->key + (view[0] == owned[0].get() ? 1 : 0)) % 1000000007;

  // Three owners of one counter, and a pointer to a const global.
  auto first_owner = std::make_shared<Counter>();
  std::vector<std::shared_ptr<Counter>> owners{first_owner};
  owners.push_back(owners[0]);
  owners.push_back(std::make_shared<Counter>());
  owners.push_back(owners[0]);
  const Sentinel* end = &kEnd;
  ppp2p::checkpoint();
  owners[0]->hits += 5;
  owners[1]->hits += 7;
  owners[2]->hits += 1;
  first_owner->hits *= 2;
  total += owners[3]->hits * 100 + owners[0].use_count() * 10 + owners[2].use_count() +
           (end == &kEnd ? 1 : 0) + end->marker;

  // Cleaned up by the program itself, as usual.
  for (int i = 0; i < 4; ++i) {
    Node* next = ring->right;
    delete ring;
    ring = next;
  }
  free_tree(root);
  return total;
}

PPP2P_ORACLE_MAIN(run, 24)
