// Purpose: types without a codec (mutexes, file handles, streams, std::function) are refused
// with the type named.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
#include <ppp2p/ppp2p.hpp>

#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

[[ppp2p::checkpointable]] int resources(int n) {
  std::mutex lock; // expected-error {{'lock' of type 'std::mutex' is live across a ppp2p site and cannot move to another process: a synchronisation object belongs to the threads of this process}} expected-note {{hint: keep it outside checkpointable functions}}
  std::FILE* file = std::fopen("/dev/null", "r"); // expected-error {{'file' of type 'std::FILE *' (aka '_IO_FILE *') is live across a ppp2p site and cannot move to another process: a FILE is a stream of this process}} expected-note {{hint: keep what reopens it (a path, a position from ftell())}}
  std::ifstream stream("/dev/null"); // expected-error {{'stream' of type 'std::ifstream' (aka 'basic_ifstream<char>') is live across a ppp2p site and cannot move to another process: a stream is tied to a file or buffer of this process}} expected-note {{hint: keep what reopens it (a path, a position from tellg()/tellp()) in locals and reopen it when ppp2p::checkpoint() returns true}}
  std::function<int(int)> callback = [](int x) { return x; }; // expected-error {{'callback' of type 'std::function<int (int)>' is live across a ppp2p site and cannot move to another process: std::function holds addresses of code and data of this process}} expected-note {{hint: store the data the callable needs}}
  std::thread helper([] {}); // expected-error {{'helper' of type 'std::thread' is live across a ppp2p site and cannot move to another process: a thread runs in this process only}} expected-note {{hint: join it before the site, or spawn a virtual thread instead}}
  ppp2p::checkpoint(); // expected-note 5 {{is live across this site}}
  helper.join();
  std::lock_guard guard(lock);
  std::fclose(file);
  return callback(n) + stream.good();
}
