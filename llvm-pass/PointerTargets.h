//===- PointerTargets.h - Which slots may a relocated pointer hold? -------===//
//
// A SlotKind::pointer is relocated at capture into an object that a frame of the chain holds by
// address and captures at its site. So storage whose address may be held across a site must be
// such an object there:
//  - passed to a site's call: the callee (a reference or pointer parameter) may hold it, so it
//    is live at that site, whether or not this function reads it afterwards;
//  - stored into memory (`p = &x`, a struct field), or, in a function with pointer slots,
//    passed to any call (`int& m = std::max(a, b)`, `std::span<int> s(local)`: the callee may
//    keep it): live wherever it holds a value.
// Such slots are kept by address (a copy in the record would not be what the pointer holds).
//
//===----------------------------------------------------------------------===//
#pragma once

#include "FrameModel.h"

namespace ppp2p::pass {

/// Sets Slot::escapes and Slot::passedToSites, and keeps those slots by address.
void findPointerTargets(FrameModel& model);

} // namespace ppp2p::pass
