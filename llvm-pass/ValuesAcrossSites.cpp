//===- ValuesAcrossSites.cpp ----------------------------------------------===//

#include "ValuesAcrossSites.h"

#include "Diagnostics.h"
#include "StorageLiveness.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Analysis/ValueTracking.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Dominators.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Utils/Local.h"

using namespace llvm;

namespace ppp2p::pass {
namespace {

/// True if some path from `site` reaches a use of `value` without passing its definition.
bool isLiveAcross(Instruction* value, const Instruction* site) {
  SmallPtrSet<const Instruction*, 8> users;
  SmallPtrSet<const BasicBlock*, 8> phiUseAtEnd;
  for (User* user : value->users()) {
    if (auto* phi = dyn_cast<PHINode>(user)) {
      for (unsigned i = 0; i < phi->getNumIncomingValues(); ++i)
        if (phi->getIncomingValue(i) == value)
          phiUseAtEnd.insert(phi->getIncomingBlock(i));
    } else if (auto* instruction = dyn_cast<Instruction>(user)) {
      users.insert(instruction);
    }
  }
  enum class Result { Found, Stop, Continue };
  auto scan = [&](const BasicBlock* block, BasicBlock::const_iterator begin) {
    for (auto it = begin; it != block->end(); ++it) {
      if (&*it == value)
        return Result::Stop;
      if (users.contains(&*it) && !isa<PHINode>(&*it))
        return Result::Found;
    }
    return phiUseAtEnd.contains(block) ? Result::Found : Result::Continue;
  };
  const BasicBlock* start = site->getParent();
  Result first = scan(start, std::next(site->getIterator()));
  if (first != Result::Continue)
    return first == Result::Found;
  SmallVector<const BasicBlock*, 16> worklist(successors(start));
  SmallPtrSet<const BasicBlock*, 16> visited(worklist.begin(), worklist.end());
  while (!worklist.empty()) {
    const BasicBlock* block = worklist.pop_back_val();
    Result result = scan(block, block->begin());
    if (result == Result::Found)
      return true;
    if (result == Result::Stop)
      continue;
    for (const BasicBlock* successor : successors(block))
      if (visited.insert(successor).second)
        worklist.push_back(successor);
  }
  return false;
}

/// True if `alloca` is passed to `call` for a reference parameter (Clang marks those
/// dereferenceable; a class passed by value indirectly is a plain pointer the callee owns).
bool boundToReference(const CallBase& call, const AllocaInst* alloca) {
  for (unsigned i = 0; i < call.arg_size(); ++i)
    if (call.getArgOperand(i) == alloca && call.getParamDereferenceableBytes(i) > 0)
      return true;
  return false;
}

bool typeHoldsAddresses(Type* type) {
  if (type->isPointerTy())
    return true;
  if (auto* structure = dyn_cast<StructType>(type))
    return any_of(structure->elements(), typeHoldsAddresses);
  if (auto* array = dyn_cast<ArrayType>(type))
    return typeHoldsAddresses(array->getElementType());
  if (auto* vector = dyn_cast<VectorType>(type))
    return typeHoldsAddresses(vector->getElementType());
  return false;
}

std::string describeType(Type* type) {
  std::string out;
  raw_string_ostream stream(out);
  type->print(stream);
  return out;
}

std::string calleeName(const Site& site) {
  if (site.kind == SiteKind::Checkpoint)
    return "ppp2p::checkpoint()";
  if (site.kind == SiteKind::VirtualCall)
    return "a checkpointable virtual function";
  return demangle(site.callee->getName().str());
}

Slot temporarySlot(AllocaInst* alloca, std::string typeName) {
  Slot slot;
  slot.name = "<temporary>";
  slot.typeName = std::move(typeName);
  slot.storage = alloca;
  slot.size = alloca->getAllocationSize(alloca->getDataLayout())->getFixedValue();
  slot.align = alloca->getAlign();
  slot.kind = slot.size <= 64 ? SlotKind::RawValue : SlotKind::RawAddress;
  slot.isTemporary = true;
  return slot;
}

} // namespace

/// A load from an alloca whose only store is of an argument (`this.addr`, which Clang loads
/// once at entry): every such load yields the argument, or after a resume the restored value.
static bool isArgumentReload(const LoadInst* load) {
  const auto* alloca = dyn_cast<AllocaInst>(load->getPointerOperand());
  if (!alloca || !alloca->isStaticAlloca())
    return false;
  unsigned stores = 0;
  for (const User* user : alloca->users()) {
    if (const auto* store = dyn_cast<StoreInst>(user)) {
      if (store->getPointerOperand() != alloca || !isa<Argument>(store->getValueOperand()))
        return false;
      ++stores;
    } else if (!isa<LoadInst, IntrinsicInst>(user)) {
      return false; // its address escapes: it may be written through it
    }
  }
  return stores == 1;
}

bool isRematerializable(const Value* value) {
  if (isa<Constant, Argument>(value))
    return true;
  if (const auto* load = dyn_cast<LoadInst>(value))
    return load->getType()->isPointerTy() && isArgumentReload(load);
  if (const auto* alloca = dyn_cast<AllocaInst>(value))
    return alloca->isStaticAlloca();
  if (const auto* gep = dyn_cast<GetElementPtrInst>(value))
    return gep->hasAllConstantIndices() && isRematerializable(gep->getPointerOperand());
  if (const auto* cast = dyn_cast<CastInst>(value))
    return (isa<BitCastInst, AddrSpaceCastInst>(cast)) && isRematerializable(cast->getOperand(0));
  return false;
}

Value* rematerialize(Value* value, Instruction* insertBefore) {
  auto* instruction = dyn_cast<Instruction>(value);
  if (!instruction || isa<AllocaInst>(instruction))
    return value;
  Instruction* copy = instruction->clone();
  for (unsigned i = 0; i < copy->getNumOperands(); ++i)
    copy->setOperand(i, rematerialize(copy->getOperand(i), insertBefore));
  copy->insertBefore(insertBefore);
  return copy;
}

bool prepareValuesAcrossSites(Function& function, FrameModel& model) {
  DominatorTree dominators(function);
  SetVector<Instruction*> crossing;
  DenseMap<Instruction*, const Site*> firstSite;
  for (const Site& site : model.sites) {
    for (BasicBlock& block : function) {
      for (Instruction& instruction : block) {
        if (isa<AllocaInst>(instruction) || instruction.use_empty() || &instruction == site.call)
          continue;
        bool localOnly = all_of(instruction.users(), [&](User* user) {
          auto* other = dyn_cast<Instruction>(user);
          return other && !isa<PHINode>(other) && other->getParent() == &block;
        });
        if (localOnly && site.call->getParent() != &block)
          continue;
        if (!dominators.dominates(&instruction, site.call))
          continue;
        if (isLiveAcross(&instruction, site.call)) {
          crossing.insert(&instruction);
          firstSite.try_emplace(&instruction, &site);
        }
      }
    }
  }

  bool ok = true;
  SmallVector<Instruction*, 8> rematerialized;
  for (Instruction* value : crossing) {
    const Site& site = *firstSite[value];
    if (value->getType()->isPointerTy()) {
      if (!isRematerializable(value)) {
        unsigned line = value->getDebugLoc() ? value->getDebugLoc().getLine() : 0;
        reportError(function, site.call->getDebugLoc(),
                    "ppp2p: an address computed before the call of " + calleeName(site) +
                        (line ? " (at line " + std::to_string(line) + ")" : std::string()) +
                        " is used after it, but addresses do not survive a move to another "
                        "process; store the call's result in a local variable first and use it "
                        "in a separate statement");
        ok = false;
        continue;
      }
      rematerialized.push_back(value);
      continue;
    }
    if (value->getType()->isTokenTy() || value->getType()->isLabelTy()) {
      reportError(function, site.call->getDebugLoc(),
                  "ppp2p: a value of type " + describeType(value->getType()) +
                      " is live across this site and cannot be moved");
      ok = false;
    }
  }
  if (!ok)
    return false;

  for (Instruction* value : rematerialized) {
    SmallVector<Use*, 8> uses;
    for (Use& use : value->uses())
      uses.push_back(&use);
    for (Use* use : uses) {
      auto* user = cast<Instruction>(use->getUser());
      Instruction* insertBefore = user;
      if (auto* phi = dyn_cast<PHINode>(user))
        insertBefore = phi->getIncomingBlock(*use)->getTerminator();
      use->set(rematerialize(value, insertBefore));
    }
  }
  for (Instruction* value : crossing) {
    if (value->getType()->isPointerTy())
      continue;
    std::string typeName = "temporary " + describeType(value->getType());
    AllocaInst* alloca = nullptr;
    if (auto* phi = dyn_cast<PHINode>(value))
      alloca = DemotePHIToStack(phi);
    else
      alloca = DemoteRegToStack(*value);
    if (alloca)
      model.slots.push_back(temporarySlot(alloca, typeName));
  }
  for (Instruction* value : rematerialized)
    if (value->use_empty())
      value->eraseFromParent();
  return true;
}

bool addTemporarySlots(Function& function, FrameModel& model) {
  SmallPtrSet<const Value*, 16> known;
  for (const Slot& slot : model.slots)
    known.insert(slot.storage);
  bool ok = true;
  static const StringSet<> kAnyDestructor;
  for (Instruction& instruction : function.getEntryBlock()) {
    auto* alloca = dyn_cast<AllocaInst>(&instruction);
    if (!alloca || known.contains(alloca) || !alloca->isStaticAlloca())
      continue;
    StorageLiveness liveness(alloca, kAnyDestructor, /*temporary=*/true);
    const Site* liveAt = nullptr;
    for (const Site& site : model.sites) {
      if (site.kind == SiteKind::Call && is_contained(site.call->args(), alloca)) {
        if (!boundToReference(*site.call, alloca))
          continue;     // the callee's by-value parameter: it moves with the callee's frame
        liveAt = &site; // `f(5)` for `const int&`: the callee's reference relocates into it
        break;
      }
      if (liveness.usedAfter(site.call) && liveness.holdsValueAt(site.call)) {
        liveAt = &site;
        break;
      }
    }
    if (!liveAt)
      continue;
    Type* type = alloca->getAllocatedType();
    if (const Function* destructor = liveness.destructor()) {
      auto codec = model.info.temporaryCodecs.find(destructor->getName());
      if (codec != model.info.temporaryCodecs.end()) {
        Slot slot = temporarySlot(alloca, "temporary " + demangle(destructor->getName().str()));
        slot.kind = SlotKind::CodecAddress;
        slot.codec.assign(codec->second.begin(), codec->second.end());
        slot.hasDestructor = true;
        model.slots.push_back(std::move(slot));
        continue;
      }
    }
    if (!typeHoldsAddresses(type)) {
      model.slots.push_back(temporarySlot(alloca, "temporary " + describeType(type)));
      continue;
    }
    std::string what = liveness.destructor() ? "a temporary object destroyed by " +
                                                   demangle(liveness.destructor()->getName().str())
                                             : "a temporary value of type " + describeType(type);
    reportError(function, liveAt->call->getDebugLoc(),
                "ppp2p: " + what + " is created before the call of " + calleeName(*liveAt) +
                    " and used after it, but it holds addresses and cannot move; store the "
                    "call's result in a local variable first and use it in a separate "
                    "statement");
    ok = false;
  }
  return ok;
}

bool checkRefusedSlots(Function& function, FrameModel& model) {
  // What refers to a refused slot (a binding into a refused loop element, an iterator of a
  // refused range) cannot move either.
  for (bool changed = true; changed;) {
    changed = false;
    DenseMap<int, const Slot*> refusedById;
    for (const Slot& slot : model.slots)
      if (slot.refused && slot.id >= 0)
        refusedById[slot.id] = &slot;
    for (Slot& slot : model.slots) {
      int related = -1;
      if (slot.refused || StringRef(slot.relatedId).getAsInteger(10, related))
        continue;
      if (auto it = refusedById.find(related); it != refusedById.end()) {
        slot.refused = true;
        slot.refusedReason = "it refers to '" + it->second->name + "', which cannot move (" +
                             it->second->refusedReason + ")";
        slot.refusedHint = it->second->refusedHint;
        changed = true;
      }
    }
  }
  bool ok = true;
  static const StringSet<> kNoDestructors;
  for (const Slot& slot : model.slots) {
    if (!slot.refused || !slot.recheck)
      continue;
    StorageLiveness liveness(slot.storage, kNoDestructors);
    for (const Site& site : model.sites) {
      if (!liveness.usedAfter(site.call) || !(slot.isParam || liveness.holdsValueAt(site.call)))
        continue;
      DebugLoc where = site.call->getDebugLoc();
      if (DISubprogram* subprogram = function.getSubprogram(); subprogram && slot.declLine)
        where = DILocation::get(function.getContext(), slot.declLine, slot.declColumn, subprogram);
      reportError(function, where,
                  "'" + slot.name + "' of type '" + slot.typeName +
                      "' is live across the ppp2p site at line " + std::to_string(site.line) +
                      " (the call of " + calleeName(site) +
                      ") and cannot move to another process: " + slot.refusedReason +
                      "; hint: " + slot.refusedHint);
      ok = false;
      break;
    }
  }
  std::erase_if(model.slots, [](const Slot& slot) { return slot.refused; });
  return ok;
}

bool resolveRelatedSlots(Function& function, FrameModel& model) {
  DenseMap<int, unsigned> byId;
  DenseMap<const Value*, unsigned> byStorage;
  for (unsigned i = 0; i < model.slots.size(); ++i) {
    if (model.slots[i].id >= 0)
      byId[model.slots[i].id] = i;
    byStorage[model.slots[i].storage] = i;
  }
  auto fail = [&](const Slot& slot, const Twine& why) {
    DebugLoc where;
    if (DISubprogram* subprogram = function.getSubprogram(); subprogram && slot.declLine)
      where = DILocation::get(function.getContext(), slot.declLine, slot.declColumn, subprogram);
    reportError(function, where,
                "ppp2p: the range-for loop's '" + slot.name + "' cannot move: " + why);
    return false;
  };
  // Ranges first: iterators of a range over a temporary refer to the range's own target.
  for (int pass = 0; pass < 2; ++pass) {
    for (Slot& slot : model.slots) {
      StringRef related = slot.relatedId;
      if (related.empty() || slot.related != kNoRelatedSlot)
        continue;
      if (related == "temporary") {
        // `auto&& __range = <prvalue>`: the reference is stored once, with the address of the
        // temporary whose life the loop extends.
        for (User* user : slot.storage->users())
          if (auto* store = dyn_cast<StoreInst>(user);
              store && store->getPointerOperand() == slot.storage)
            if (auto it = byStorage.find(getUnderlyingObject(store->getValueOperand()));
                it != byStorage.end())
              slot.related = it->second;
        if (slot.related == kNoRelatedSlot)
          return fail(slot, "its range is a temporary that is not live across the site");
      } else if (related.consume_front("range:")) {
        int rangeId = -1;
        related.getAsInteger(10, rangeId);
        auto range = byId.find(rangeId);
        if (range == byId.end())
          return fail(slot, "its range variable was not recorded");
        if (model.slots[range->second].related == kNoRelatedSlot)
          continue; // the range is resolved in the first pass
        slot.related = model.slots[range->second].related;
      } else {
        int id = -1;
        related.getAsInteger(10, id);
        auto target = byId.find(id);
        if (target == byId.end())
          return fail(slot, "the variable it refers to was not recorded");
        slot.related = target->second;
      }
    }
  }
  for (Slot& slot : model.slots) {
    if (slot.relatedId.empty())
      continue;
    if (slot.related == kNoRelatedSlot)
      return fail(slot, "what it refers to was not found");
    Slot& target = model.slots[slot.related];
    if (slot.kind == SlotKind::FramePointer && target.kind == SlotKind::RawValue &&
        slot.extent == 0)
      target.kind = SlotKind::RawAddress; // pointed into: its address must be known
  }
  return true;
}

void computeSiteLiveness(FrameModel& model) {
  for (Site& site : model.sites)
    site.liveSlots.clear();
  for (unsigned index = 0; index < model.slots.size(); ++index) {
    const Slot& slot = model.slots[index];
    if (!slot.liveAnywhere)
      continue;
    static const StringSet<> kAnyDestructor; // a destructor call on the storage ends it
    StorageLiveness liveness(slot.storage, kAnyDestructor, slot.isTemporary);
    bool indirectParameter = slot.isParam && isa<Argument>(slot.storage);
    for (Site& site : model.sites) {
      bool live;
      if (indirectParameter && slot.kind == SlotKind::CodecAddress)
        live = true; // constructed by the caller, destroyed by the caller after return
      else if (is_contained(slot.passedToSites, site.call))
        live = true; // the callee may hold its address (a reference parameter)
      else if (slot.escapes)
        live = slot.isParam || liveness.holdsValueAt(site.call); // a pointer may hold it
      else if (slot.kind == SlotKind::CodecAddress && slot.hasDestructor)
        live = liveness.holdsValueAt(site.call);
      else
        live = liveness.usedAfter(site.call) && (slot.isParam || liveness.holdsValueAt(site.call));
      if (live)
        site.liveSlots.push_back(index);
    }
  }
  // A pointer needs its target, an iterator its range, an element its iterator.
  for (Site& site : model.sites) {
    SmallVector<unsigned, 16> worklist(site.liveSlots.begin(), site.liveSlots.end());
    DenseSet<unsigned> live(site.liveSlots.begin(), site.liveSlots.end());
    while (!worklist.empty()) {
      unsigned related = model.slots[worklist.pop_back_val()].related;
      if (related != kNoRelatedSlot && live.insert(related).second)
        worklist.push_back(related);
    }
    site.liveSlots.assign(live.begin(), live.end());
    llvm::sort(site.liveSlots);
  }
}

} // namespace ppp2p::pass
