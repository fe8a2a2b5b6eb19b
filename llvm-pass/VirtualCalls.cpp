//===- VirtualCalls.cpp ---------------------------------------------------===//

#include "VirtualCalls.h"

#include "Diagnostics.h"

#include "llvm/IR/DataLayout.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/DebugLoc.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Operator.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace ppp2p::pass {
namespace {

/// Skips a thunk's call offset (`h <offset> _` or `v <offset> _ <offset> _`, after `_ZT`),
/// an Itanium <call-offset>: true if what follows it is left in `rest`.
bool skipCallOffset(StringRef& rest) {
  auto number = [&rest] {
    rest.consume_front("n");
    std::size_t digits = rest.find_first_not_of("0123456789");
    if (digits == 0 || digits == StringRef::npos)
      return false;
    rest = rest.drop_front(digits);
    return rest.consume_front("_");
  };
  if (rest.consume_front("h"))
    return number();
  if (rest.consume_front("v"))
    return number() && number();
  return false; // `c`: a covariant-return thunk adjusts the result too; calling the function
                // instead of it would not
}

} // namespace

std::optional<unsigned> vtableSlotOf(const CallBase& call) {
  if (call.getCalledFunction() || call.isInlineAsm())
    return std::nullopt;
  auto* function = dyn_cast<LoadInst>(call.getCalledOperand());
  if (!function)
    return std::nullopt;
  const DataLayout& layout = call.getModule()->getDataLayout();
  const Value* vtable = function->getPointerOperand();
  APInt offset(layout.getIndexTypeSizeInBits(vtable->getType()), 0);
  if (const auto* entry = dyn_cast<GEPOperator>(vtable)) {
    if (!entry->isInBounds() || !entry->accumulateConstantOffset(layout, offset))
      return std::nullopt;
    vtable = entry->getPointerOperand();
  }
  const auto* vtableLoad = dyn_cast<LoadInst>(vtable);
  if (!vtableLoad)
    return std::nullopt;
  // Loaded from the object the call passes (as `this`: first, or second after an sret).
  const Value* object = vtableLoad->getPointerOperand()->stripPointerCasts();
  bool passed = false;
  for (unsigned i = 0; i < std::min(call.arg_size(), 2u); ++i)
    passed |= call.getArgOperand(i)->stripPointerCasts() == object;
  unsigned pointerSize = layout.getPointerSize();
  if (!passed || offset.isNegative() || offset.getZExtValue() % pointerSize != 0)
    return std::nullopt;
  return unsigned(offset.getZExtValue() / pointerSize);
}

const VirtualCall* findVirtualCallSite(const CallBase& call, const FunctionInfo& info,
                                       const SmallPtrSetImpl<const VirtualCall*>* met) {
  if (info.virtualCalls.empty())
    return nullptr;
  std::optional<unsigned> slot = vtableSlotOf(call);
  if (!slot)
    return nullptr;
  const VirtualCall* found = nullptr;
  for (const VirtualCall& listed : info.virtualCalls) {
    if (listed.slot != *slot || !mayBeDevirtualized(listed, call.getDebugLoc()))
      continue;
    if (!met || !met->contains(&listed))
      return &listed;
    if (!found)
      found = &listed;
  }
  return found;
}

void reportUnrecognisedVirtualCall(Function& function, const FunctionInfo& info,
                                   const VirtualCall& call) {
  DebugLoc location;
  if (DISubprogram* subprogram = function.getSubprogram())
    location = DILocation::get(function.getContext(), call.firstLine, 0, subprogram);
  reportError(function, location,
              "ppp2p: the virtual call of a checkpointable function at line " +
                  Twine(call.firstLine) + " of '" + info.displayName +
                  "' does not load its callee from a vtable slot as the pass knows it (relative "
                  "vtables, -fsanitize=cfi-vcall?), so it cannot be a site and a virtual thread "
                  "inside it could never move: build without those options");
}

bool mayBeDevirtualized(const VirtualCall& call, const DebugLoc& location) {
  return !location || (location.getLine() >= call.firstLine && location.getLine() <= call.lastLine);
}

std::optional<std::string> thisAdjustedTarget(StringRef name) {
  if (!name.consume_front("_ZT") || !skipCallOffset(name) || name.empty())
    return std::nullopt;
  return "_Z" + name.str();
}

std::uint64_t signatureOf(FunctionType* type) {
  std::string text;
  raw_string_ostream stream(text);
  type->print(stream);
  return fnv1a(text);
}

} // namespace ppp2p::pass
