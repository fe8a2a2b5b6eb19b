// Purpose: std::string_view and std::span live across a site move relocated (their pointer, at
// the offset the library puts it); in containers they still cannot move.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

[[ppp2p::checkpointable]] std::size_t views(std::string text, std::vector<int> data) {
  std::string_view view = text;
  std::span<int> part(data);
  std::span<int, 2> pair(data.data(), 2);
  ppp2p::checkpoint();
  return view.size() + part.size() + pair.size();
}

[[ppp2p::checkpointable]] std::size_t many(std::string text) {
  std::vector<std::string_view> words{text}; // expected-error {{'words' of type 'std::vector<std::string_view>' (aka 'vector<basic_string_view<char>>') is live across a ppp2p site and cannot move to another process: std::vector element: std::string_view points into memory of this process}} expected-note {{hint: use std::string}}
  ppp2p::checkpoint(); // expected-note {{is live across this site}}
  return words.size();
}
