// The ppp2p API. Compile task code with the ppp2p plugin (the ppp2p-c++ wrapper, or the
// ppp2p::ppp2p CMake target) so that [[ppp2p::checkpointable]] functions become movable.
#pragma once

#include <ppp2p/checkpoint.hpp>
#include <ppp2p/codec.hpp>
#include <ppp2p/errors.hpp>
#include <ppp2p/messages.hpp>
#include <ppp2p/snapshot.hpp>
#include <ppp2p/virtual_computer.hpp>
#include <ppp2p/vt.hpp>
