// Purpose: std::string_view and std::span point into memory of this process.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

[[ppp2p::checkpointable]] std::size_t views(std::string text, std::vector<int> data) {
  std::string_view view = text; // expected-error {{'view' of type 'std::string_view' (aka 'basic_string_view<char>') is live across a ppp2p site and cannot move to another process: std::string_view points into memory of this process}} expected-note {{hint: use std::string}}
  std::span<int> part(data); // expected-error {{'part' of type 'std::span<int>' is live across a ppp2p site and cannot move to another process: std::span points into memory of this process}} expected-note {{hint: use std::vector}}
  ppp2p::checkpoint(); // expected-note 2 {{is live across this site}}
  return view.size() + part.size();
}
