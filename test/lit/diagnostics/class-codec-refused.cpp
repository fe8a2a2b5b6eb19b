// Purpose: where a class is encoded outside a frame slot (a container element, an argument, a
// result, a message: here ppp2p::encode), the plugin defines its codec from its fields at the end
// of the translation unit; a class that cannot move field by field is refused there, at the
// class, with the reason and a hint, once however often it is encoded.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <string>
#include <vector>

class Base {
public:
  virtual ~Base() = default;
};

class Shape : public virtual Base { // expected-error {{ppp2p: 'Shape' cannot move inside a container, as an argument, a result or a message: 'Shape' has virtual base classes}} expected-note {{hint: give it a member}}
public:
  virtual double area() const { return side_ * side_; }

private:
  double side_ = 1;
};

class Cursor { // expected-error {{ppp2p: 'Cursor' cannot move inside a container, as an argument, a result or a message: field 'at_': raw pointers hold addresses of this process}} expected-note {{hint: keep the pointee by value}}
public:
  explicit Cursor(std::string text) : text_(std::move(text)), at_(text_.data()) {}
  char peek() const { return *at_; }

private:
  std::string text_;
  const char* at_;
};

class Outer { // expected-error {{ppp2p: 'Outer' cannot move inside a container, as an argument, a result or a message: field 'cursors_': std::vector element: field 'at_': raw pointers}} expected-note {{hint: keep the pointee by value}}
public:
  explicit Outer(int n) : cursors_(std::size_t(n), Cursor("x")) {}

private:
  std::vector<Cursor> cursors_;
};

class Fine {
public:
  explicit Fine(int n) : values_(std::size_t(n), n) {}

private:
  std::vector<int> values_;
};

void encode_all(ppp2p::Writer& out) {
  ppp2p::encode(out, Shape{});
  ppp2p::encode(out, std::vector<Cursor>{});
  ppp2p::encode(out, Outer(2));
  ppp2p::encode(out, Fine(3)); // moves: no diagnostic
  ppp2p::encode(out, std::vector<Fine>{Fine(1)});
}

// A trivially copyable class with a pointer in a private field: codec<T> would copy its bytes.
class Handle { // expected-error {{ppp2p: 'Handle' cannot move inside a container, as an argument, a result or a message: 'Handle' is trivially copyable and holds raw pointers in fields C++ cannot name}} expected-note {{hint: make it an aggregate}}
public:
  explicit Handle(Handle* next) : next_(next) {}

private:
  Handle* next_;
};

class Plain { // trivially copyable without pointers: its bytes, no diagnostic
public:
  explicit Plain(int v) : v_(v) {}

private:
  int v_;
};

void encode_handles(ppp2p::Writer& out) {
  ppp2p::encode(out, Handle(nullptr));
  ppp2p::encode(out, Plain(1));
}
