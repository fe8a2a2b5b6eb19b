// Purpose: an aggregate with a pointer member is refused, naming the field.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <string>

struct Node {
  std::string name;
  Node* next;
};

[[ppp2p::checkpointable]] std::string chain(int n) {
  Node node{"head", nullptr}; // expected-error {{'node' of type 'Node' is live across a ppp2p site and cannot move to another process: field 'next': raw pointers hold addresses of this process}} expected-note {{hint: keep the pointee by value}}
  ppp2p::checkpoint(); // expected-note {{'node' is live across this site}}
  return node.name + std::to_string(n);
}
