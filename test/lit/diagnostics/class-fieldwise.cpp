// Purpose: a class with private fields and no default constructor moves field by field with no
// serialize() member, as a variable and inside a container, virtual functions included (its
// vtable pointers move as fields); a class with virtual bases or a bit-field is refused with the
// reason.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <memory>
#include <string>
#include <vector>

class Account {
public:
  explicit Account(std::string owner) : owner_(std::move(owner)) {}
  void deposit(long amount) { balance_ += amount; }
  long balance() const { return balance_; }

private:
  std::string owner_;
  long balance_ = 0;
};

class Shape {
public:
  virtual ~Shape() = default;
  virtual double area() const { return side_ * side_; }

private:
  double side_ = 1;
};

class Node {
public:
  virtual ~Node() = default;
  int id = 0;
};

class Diamond : public virtual Node {
public:
  double weight = 1;
};

class Flags {
public:
  explicit Flags(int x) : ready_(x & 1), value_(x) {}
  int get() const { return value_ + ready_; }

private:
  unsigned ready_ : 1;
  std::string value_text_;
  int value_;
};

[[ppp2p::checkpointable]] long bank(int n) {
  Account account("ada"); // moves: no diagnostic
  for (int i = 0; i < n; ++i) {
    account.deposit(i);
    ppp2p::checkpoint();
  }
  return account.balance();
}

[[ppp2p::checkpointable]] long ledger(int n) {
  std::vector<Account> accounts; // moves: no diagnostic
  accounts.emplace_back("bob");
  ppp2p::checkpoint();
  return accounts.front().balance() + n;
}

[[ppp2p::checkpointable]] double shapes(int n) {
  Shape shape; // moves: no diagnostic
  std::vector<Shape> more(3);
  ppp2p::checkpoint();
  return shape.area() * n + more[1].area();
}

[[ppp2p::checkpointable]] double diamonds(int n) {
  Diamond diamond; // expected-error {{'diamond' of type 'Diamond' is live across a ppp2p site and cannot move to another process: 'Diamond' has virtual base classes, whose place in an object depends on its most derived class}} expected-note {{hint: give it a member}}
  ppp2p::checkpoint(); // expected-note {{'diamond' is live across this site}}
  return diamond.weight * n;
}

[[ppp2p::checkpointable]] double owned(int n) {
  auto shape = std::make_unique<Shape>(); // moves: as its dynamic class, whatever it is
  ppp2p::checkpoint();
  return shape->area() * n;
}

[[ppp2p::checkpointable]] int flags(int n) {
  Flags flags(n); // expected-error {{'flags' of type 'Flags' is live across a ppp2p site and cannot move to another process: field 'ready_': bit-fields and anonymous members cannot be moved field by field}} expected-note {{hint: give the type a serialize() member}}
  ppp2p::checkpoint(); // expected-note {{'flags' is live across this site}}
  return flags.get();
}
