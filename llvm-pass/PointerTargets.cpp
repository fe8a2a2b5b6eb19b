//===- PointerTargets.cpp -------------------------------------------------===//

#include "PointerTargets.h"

#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"

using namespace llvm;

namespace ppp2p::pass {
namespace {

struct AddressUses {
  bool escapes = false;
  SmallPtrSet<const CallBase*, 4> passedTo;
};

/// Follows the pointers derived from `storage` (offsets, casts, phis, selects) to what is done
/// with them.
AddressUses addressUses(Value* storage, bool followCalls) {
  AddressUses out;
  SmallVector<Value*, 16> worklist{storage};
  SmallPtrSet<Value*, 16> seen{storage};
  auto follow = [&](Value* derived) {
    if (seen.insert(derived).second)
      worklist.push_back(derived);
  };
  while (!worklist.empty()) {
    Value* pointer = worklist.pop_back_val();
    for (User* user : pointer->users()) {
      auto* instruction = dyn_cast<Instruction>(user);
      if (!instruction)
        continue;
      if (isa<GetElementPtrInst, BitCastInst, AddrSpaceCastInst, PHINode, SelectInst>(
              instruction)) {
        if (instruction->getType()->isPointerTy())
          follow(instruction);
      } else if (auto* store = dyn_cast<StoreInst>(instruction)) {
        if (store->getValueOperand() == pointer)
          out.escapes = true;
      } else if (isa<IntrinsicInst>(instruction)) {
        continue; // memcpy and friends copy its bytes; annotations and markers do nothing
      } else if (auto* call = dyn_cast<CallBase>(instruction)) {
        for (unsigned i = 0; i < call->arg_size(); ++i)
          // The result a callee constructs in it (sret) has no value to hold before the call.
          if (call->getArgOperand(i) == pointer && !call->paramHasAttr(i, Attribute::StructRet))
            out.passedTo.insert(call);
        // A callee may keep the address (in a view it constructs, an out-parameter, its
        // result): where pointers are live, any call it is passed to counts.
        if (followCalls)
          out.escapes = true;
      } else if (isa<PtrToIntInst>(instruction)) {
        out.escapes = true;
      }
    }
  }
  return out;
}

} // namespace

void findPointerTargets(FrameModel& model) {
  bool hasPointerSlots =
      any_of(model.slots, [](const Slot& slot) { return slot.kind == SlotKind::Pointer; });
  SmallPtrSet<const CallBase*, 16> siteCalls;
  for (const Site& site : model.sites)
    siteCalls.insert(site.call);
  for (Slot& slot : model.slots) {
    if (slot.kind != SlotKind::RawValue && slot.kind != SlotKind::RawAddress &&
        slot.kind != SlotKind::CodecAddress)
      continue;
    AddressUses uses = addressUses(slot.storage, hasPointerSlots);
    slot.escapes = uses.escapes;
    slot.passedToSites.clear();
    for (const CallBase* call : uses.passedTo)
      if (siteCalls.contains(call))
        slot.passedToSites.push_back(call);
    if (slot.kind == SlotKind::RawValue && (slot.escapes || !slot.passedToSites.empty()))
      slot.kind = SlotKind::RawAddress;
  }
}

} // namespace ppp2p::pass
