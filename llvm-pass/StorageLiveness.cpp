//===- StorageLiveness.cpp ------------------------------------------------===//

#include "StorageLiveness.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/CFG.h"
#include "llvm/IR/Operator.h"

#include <cstdlib>

using namespace llvm;

namespace ppp2p::pass {
namespace {

enum class Structor { None, Constructor, Destructor };

Structor structorKind(StringRef name) {
  if (!name.starts_with("_Z"))
    return Structor::None;
  ItaniumPartialDemangler demangler;
  std::string copy = name.str();
  if (demangler.partialDemangle(copy.c_str()) || !demangler.isCtorOrDtor())
    return Structor::None;
  size_t size = 0;
  char* base = demangler.getFunctionBaseName(nullptr, &size);
  Structor kind = base && base[0] == '~' ? Structor::Destructor : Structor::Constructor;
  std::free(base);
  return kind;
}

int priority(Touch touch) {
  switch (touch) {
  case Touch::None:
    return 0;
  case Touch::Write:
    return 1;
  case Touch::Kill:
    return 2;
  case Touch::Lifetime:
    return 3;
  case Touch::Escape:
    return 4;
  case Touch::Read:
    return 5;
  case Touch::Destroy:
    return 6;
  }
  return 0;
}

} // namespace

bool isConstructorName(StringRef name) {
  return structorKind(name) == Structor::Constructor;
}
bool isDestructorName(StringRef name) {
  return structorKind(name) == Structor::Destructor;
}

StorageLiveness::StorageLiveness(Value* storage, const StringSet<>& destructors, bool temporary)
    : storage_(storage), destructors_(destructors), temporary_(temporary) {
  if (auto* alloca = dyn_cast<AllocaInst>(storage))
    if (std::optional<TypeSize> size = alloca->getAllocationSize(alloca->getDataLayout()))
      size_ = size->getFixedValue();
  classifyUses();
}

void StorageLiveness::classifyUses() {
  const DataLayout& layout = [&]() -> const DataLayout& {
    if (auto* instruction = dyn_cast<Instruction>(storage_))
      return instruction->getDataLayout();
    return cast<Argument>(storage_)->getParent()->getDataLayout();
  }();
  // Derived pointers with their constant offset from the storage, when known.
  DenseMap<Value*, std::optional<std::int64_t>> derived{{storage_, 0}};
  SmallVector<Value*, 16> worklist{storage_};
  auto record = [&](const Instruction* instruction, Touch touch) {
    if (temporary_ && touch == Touch::Write)
      touch = Touch::Kill;
    Touch& slot = touches_[instruction];
    if (priority(touch) > priority(slot))
      slot = touch;
    touchedBlocks_.insert(instruction->getParent());
  };
  // At the start of the storage: a write of all of it, or a construction, replaces its value.
  auto atStart = [&](Value* pointer) {
    std::optional<std::int64_t> offset = derived.lookup(pointer);
    return offset && *offset == 0;
  };
  auto isWhole = [&](Value* pointer, std::uint64_t bytes) {
    return atStart(pointer) && size_ != 0 && bytes >= size_;
  };
  while (!worklist.empty()) {
    Value* pointer = worklist.pop_back_val();
    std::optional<std::int64_t> base = derived.lookup(pointer);
    for (User* user : pointer->users()) {
      auto* instruction = dyn_cast<Instruction>(user);
      if (!instruction)
        continue;
      if (isa<GetElementPtrInst, BitCastInst, AddrSpaceCastInst, PHINode, SelectInst>(
              instruction)) {
        if (!instruction->getType()->isPointerTy() || derived.count(instruction))
          continue;
        std::optional<std::int64_t> offset;
        if (auto* gep = dyn_cast<GetElementPtrInst>(instruction)) {
          APInt delta(layout.getIndexTypeSizeInBits(gep->getType()), 0);
          if (base && gep->accumulateConstantOffset(layout, delta))
            offset = *base + delta.getSExtValue();
        } else if (isa<BitCastInst, AddrSpaceCastInst>(instruction)) {
          offset = base;
        }
        derived[instruction] = offset;
        worklist.push_back(instruction);
        continue;
      }
      if (auto* load = dyn_cast<LoadInst>(instruction)) {
        record(load, Touch::Read);
      } else if (auto* store = dyn_cast<StoreInst>(instruction)) {
        if (store->getValueOperand() == pointer) {
          record(store, Touch::Escape);
        } else {
          std::uint64_t bytes = layout.getTypeStoreSize(store->getValueOperand()->getType());
          record(store, isWhole(pointer, bytes) ? Touch::Kill : Touch::Write);
        }
      } else if (auto* lifetime = dyn_cast<LifetimeIntrinsic>(instruction)) {
        record(lifetime, Touch::Lifetime);
      } else if (auto* transfer = dyn_cast<MemIntrinsic>(instruction)) {
        if (transfer->getRawDest() == pointer) {
          auto* length = dyn_cast<ConstantInt>(transfer->getLength());
          record(transfer,
                 length && isWhole(pointer, length->getZExtValue()) ? Touch::Kill : Touch::Write);
        }
        if (auto* copy = dyn_cast<MemTransferInst>(transfer);
            copy && copy->getRawSource() == pointer)
          record(transfer, Touch::Read);
      } else if (isa<IntrinsicInst>(instruction)) {
        // Annotations, assumptions, debug intrinsics: no access to the value.
        continue;
      } else if (auto* call = dyn_cast<CallBase>(instruction)) {
        Function* callee = call->getCalledFunction();
        StringRef name = callee ? callee->getName() : StringRef();
        for (unsigned i = 0; i < call->arg_size(); ++i) {
          if (call->getArgOperand(i) != pointer)
            continue;
          bool onBase = atStart(pointer);
          if (onBase && i == 0 && !name.empty() &&
              (destructors_.contains(name) || (destructors_.empty() && isDestructorName(name)))) {
            record(call, Touch::Destroy);
            hasDestructor_ = true;
            if (!destructor_)
              destructor_ = callee;
          } else if (onBase && call->paramHasAttr(i, Attribute::StructRet)) {
            record(call, Touch::Kill);
          } else if (onBase && i == 0 && !name.empty() && isConstructorName(name)) {
            record(call, Touch::Kill);
          } else {
            record(call, Touch::Read);
          }
        }
      } else {
        record(instruction, Touch::Read);
      }
    }
  }
}

Touch StorageLiveness::touch(const Instruction* instruction) const {
  auto it = touches_.find(instruction);
  return it == touches_.end() ? Touch::None : it->second;
}

namespace {

/// What a search does on meeting a touch: keep going, or conclude this path.
enum class Verdict { Continue, Found, PathEnds };

} // namespace

/// Searches the paths leaving `site` (forward) or reaching it (backward), one block at a time,
/// for a touch whose verdict is Found; a PathEnds touch closes that path.
template <bool Forward, class Judge>
static bool searchPaths(const Instruction* site, const SmallPtrSetImpl<const BasicBlock*>& touched,
                        Judge judge) {
  auto scanBlock = [&](const BasicBlock* block, const Instruction* from) -> Verdict {
    if (!from && !touched.contains(block))
      return Verdict::Continue;
    if constexpr (Forward) {
      auto it = from ? std::next(from->getIterator()) : block->begin();
      for (; it != block->end(); ++it)
        if (Verdict v = judge(&*it); v != Verdict::Continue)
          return v;
    } else {
      auto it = from ? std::next(from->getReverseIterator()) : block->rbegin();
      for (; it != block->rend(); ++it)
        if (Verdict v = judge(&*it); v != Verdict::Continue)
          return v;
    }
    return Verdict::Continue;
  };
  auto neighbours = [](const BasicBlock* block) {
    SmallVector<const BasicBlock*, 4> out;
    if constexpr (Forward)
      out.append(succ_begin(block), succ_end(block));
    else
      out.append(pred_begin(block), pred_end(block));
    return out;
  };
  const BasicBlock* start = site->getParent();
  if (Verdict v = scanBlock(start, site); v != Verdict::Continue)
    return v == Verdict::Found;
  SmallVector<const BasicBlock*, 16> worklist = neighbours(start);
  SmallPtrSet<const BasicBlock*, 16> visited(worklist.begin(), worklist.end());
  while (!worklist.empty()) {
    const BasicBlock* block = worklist.pop_back_val();
    Verdict v = scanBlock(block, nullptr);
    if (v == Verdict::Found)
      return true;
    if (v == Verdict::PathEnds)
      continue;
    for (const BasicBlock* next : neighbours(block))
      if (visited.insert(next).second)
        worklist.push_back(next);
  }
  return false;
}

bool StorageLiveness::usedAfter(const Instruction* site) const {
  return searchPaths</*Forward=*/true>(site, touchedBlocks_, [&](const Instruction* i) {
    switch (touch(i)) {
    case Touch::Read:
    case Touch::Escape:
    case Touch::Destroy:
      return Verdict::Found;
    case Touch::Kill:
    case Touch::Lifetime:
      return Verdict::PathEnds;
    default:
      return Verdict::Continue;
    }
  });
}

bool StorageLiveness::holdsValueAt(const Instruction* site) const {
  return searchPaths</*Forward=*/false>(site, touchedBlocks_, [&](const Instruction* i) {
    switch (touch(i)) {
    case Touch::Read:
    case Touch::Write:
    case Touch::Kill:
      return Verdict::Found;
    case Touch::Destroy:
    case Touch::Lifetime:
      return Verdict::PathEnds;
    default:
      return Verdict::Continue;
    }
  });
}

} // namespace ppp2p::pass
