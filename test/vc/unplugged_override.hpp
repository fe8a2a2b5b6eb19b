// A base whose checkpointable virtual function has an override in a file compiled without the
// ppp2p plugin (unplugged_override.cpp), as happens when one library of a program is built
// with the plugin and another is not.
#pragma once

#ifdef __PPP2P_PLUGIN__
#define PPP2P_TEST_CHECKPOINTABLE [[ppp2p::checkpointable]]
#else
#define PPP2P_TEST_CHECKPOINTABLE
#endif

#include <memory>

class Stage {
public:
  virtual ~Stage() = default;
  PPP2P_TEST_CHECKPOINTABLE virtual long advance(long value) = 0;
};

/// A checkpointable function (defined with the plugin) the unplugged override calls.
PPP2P_TEST_CHECKPOINTABLE long settle(long value);

/// A Stage whose advance() was compiled without the plugin.
std::unique_ptr<Stage> make_unplugged_stage();
