// Purpose: the attribute applies to functions only, and takes no arguments.
// RUN: %clangxx -fsyntax-only -Xclang -verify %s
[[ppp2p::checkpointable]] int x = 0; // expected-error {{[[ppp2p::checkpointable]] applies only to functions}}
__attribute__((ppp2p_checkpointable(1))) int f(); // expected-error {{[[ppp2p::checkpointable]] takes no arguments}}
