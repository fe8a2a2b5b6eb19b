// Purpose: a raw pointer to an object of the user's own class moves (with the objects it
// reaches), as a field, an element or a variable; raw pointers to anything else (numbers,
// characters, standard objects, abstract classes) are refused naming the field. A trivially
// copyable class with such pointers in private fields moves as a variable (field by field) but
// is refused inside a container, where ppp2p::codec would copy its bytes.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <string>
#include <vector>

struct Node {
  std::string name;
  Node* next;
};

struct Counted {
  int* count;
};

struct Names {
  std::string* first;
};

struct Animal {
  virtual ~Animal() = default;
  virtual int legs() const = 0;
};

struct Zoo {
  Animal* star;
};

class Link { // expected-error {{ppp2p: 'Link' cannot move inside a container, as an argument, a result or a message: 'Link' is trivially copyable and holds raw pointers in fields C++ cannot name}} expected-note {{hint: make it an aggregate}}
public:
  explicit Link(Link* to) : to_(to) {}
  Link* to() const { return to_; }

private:
  Link* to_;
};

[[ppp2p::checkpointable]] std::string chain(int n) {
  Node tail{"tail", nullptr};
  Node* head = new Node{"head", nullptr};
  head->next = new Node{"next", nullptr};
  std::vector<Node*> all{head, head->next};
  ppp2p::checkpoint();
  std::string out = head->name + all[1]->name + tail.name + std::to_string(n);
  delete head->next;
  delete head;
  return out;
}

[[ppp2p::checkpointable]] int refused(int n) {
  Counted counted{&n}; // expected-error {{'counted' of type 'Counted' is live across a ppp2p site and cannot move to another process: field 'count': raw pointers hold addresses of this process}} expected-note {{hint: keep the pointee by value}}
  Names names{nullptr}; // expected-error {{'names' of type 'Names' is live across a ppp2p site and cannot move to another process: field 'first': raw pointers hold addresses of this process}} expected-note {{hint: keep the pointee by value}}
  Zoo zoo{nullptr}; // expected-error {{'zoo' of type 'Zoo' is live across a ppp2p site and cannot move to another process: field 'star': raw pointers hold addresses of this process}} expected-note {{hint: keep the pointee by value}}
  std::vector<Link> links{Link(nullptr)}; // expected-error {{'links' of type 'std::vector<Link>' is live across a ppp2p site and cannot move to another process: std::vector element: 'Link' is trivially copyable and holds raw pointers in fields C++ cannot name}} expected-note {{hint: make it an aggregate}}
  Link link(nullptr); // a variable: moved field by field
  ppp2p::checkpoint(); // expected-note 4 {{is live across this site}}
  return *counted.count + int(names.first != nullptr) + int(zoo.star != nullptr) +
         int(links.size()) + int(link.to() != nullptr);
}
