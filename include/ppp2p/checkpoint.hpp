// Sites: the places where a running checkpointable function's state can be captured.
#pragma once

namespace ppp2p {

/// A site. In a [[ppp2p::checkpointable]] function compiled with the ppp2p plugin it captures
/// the calling chain of checkpointable frames when a capture is due, and otherwise costs a
/// thread-local load and a branch. Returns true on the first return after the chain was resumed
/// from a snapshot, false otherwise. Called from code the plugin did not transform (with a
/// warning at compile time) it does nothing and returns false.
bool checkpoint();

} // namespace ppp2p
