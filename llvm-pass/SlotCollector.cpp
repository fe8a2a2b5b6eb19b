//===- SlotCollector.cpp --------------------------------------------------===//

#include "SlotCollector.h"

#include "AnnotationFormat.h"
#include "VirtualCalls.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/IntrinsicInst.h"

using namespace llvm;

namespace ppp2p::pass {
namespace {

StringRef annotationText(Value* operand) {
  auto* global = dyn_cast<GlobalVariable>(operand->stripPointerCasts());
  if (!global || !global->hasInitializer())
    return {};
  auto* data = dyn_cast<ConstantDataArray>(global->getInitializer());
  if (!data || !data->isCString())
    return {};
  return data->getAsCString();
}

/// The functions in an annotation's arguments (a constant struct of function pointers).
SmallVector<Function*, 5> annotationFunctions(Value* arguments) {
  SmallVector<Function*, 5> out;
  auto* global =
      dyn_cast_or_null<GlobalVariable>(arguments ? arguments->stripPointerCasts() : nullptr);
  if (!global || !global->hasInitializer())
    return out;
  if (auto* values = dyn_cast<ConstantStruct>(global->getInitializer()))
    for (Use& value : values->operands())
      if (auto* function = dyn_cast<Function>(value->stripPointerCasts()))
        out.push_back(function);
  return out;
}

std::uint64_t parseNumber(StringRef text, std::uint64_t fallback) {
  std::uint64_t value;
  return text.getAsInteger(10, value) ? fallback : value;
}

} // namespace

MapVector<Function*, FunctionInfo> collectCheckpointableFunctions(Module& module) {
  MapVector<Function*, FunctionInfo> out;
  GlobalVariable* annotations = module.getNamedGlobal("llvm.global.annotations");
  if (!annotations || !annotations->hasInitializer())
    return out;
  auto* entries = dyn_cast<ConstantArray>(annotations->getInitializer());
  if (!entries)
    return out;
  for (Use& use : entries->operands()) {
    auto* entry = dyn_cast<ConstantStruct>(use.get());
    if (!entry || entry->getNumOperands() < 2)
      continue;
    auto* function = dyn_cast<Function>(entry->getOperand(0)->stripPointerCasts());
    std::optional<annotation::Annotation> parsed =
        annotation::parse(annotationText(entry->getOperand(1)));
    if (!function || function->isDeclaration() || !parsed ||
        parsed->tag != annotation::kFunctionTag)
      continue;
    FunctionInfo& info = out[function];
    info.function = function;
    info.displayName = parsed->get("name").str();
    info.returnType = parsed->get("ret").str();
    info.thisType = parsed->get("this").str();
    info.hasThis = !info.thisType.empty();
    SmallVector<StringRef, 8> callees;
    parsed->get("callees").split(callees, ',', -1, /*KeepEmpty=*/false);
    for (StringRef callee : callees)
      info.callees.insert(callee);
    SmallVector<StringRef, 4> virtualCalls;
    parsed->get("vcalls").split(virtualCalls, ',', -1, /*KeepEmpty=*/false);
    for (StringRef call : virtualCalls) {
      auto [lines, slot] = call.split(':');
      auto [first, last] = lines.split('-');
      VirtualCall parsedCall{unsigned(parseNumber(first, 0)), unsigned(parseNumber(last, 0)),
                             unsigned(parseNumber(slot, ~0u))};
      if (parsedCall.slot != ~0u)
        info.virtualCalls.push_back(parsedCall);
    }
    // `dtor:group`, with the codec functions of group k at arguments [4k, 4k + 4).
    SmallVector<Function*, 5> functions = annotationFunctions(entry->getOperand(4));
    SmallVector<StringRef, 8> temporaries;
    parsed->get("temps").split(temporaries, ',', -1, /*KeepEmpty=*/false);
    for (StringRef entry : temporaries) {
      auto [destructor, group] = entry.split(':');
      std::size_t first = parseNumber(group, ~std::uint64_t(0)) * 4;
      if (first + 4 <= functions.size())
        info.temporaryCodecs[destructor].assign(functions.begin() + first,
                                                functions.begin() + first + 4);
    }
  }
  return out;
}

std::vector<Slot> collectAnnotatedSlots(Function& function) {
  std::vector<Slot> slots;
  SmallVector<Instruction*, 16> annotationCalls;
  const DataLayout& layout = function.getDataLayout();
  for (Instruction& instruction : instructions(function)) {
    auto* intrinsic = dyn_cast<IntrinsicInst>(&instruction);
    if (!intrinsic || intrinsic->getIntrinsicID() != Intrinsic::var_annotation)
      continue;
    std::optional<annotation::Annotation> parsed =
        annotation::parse(annotationText(intrinsic->getArgOperand(1)));
    if (!parsed || parsed->tag != annotation::kSlotTag)
      continue;
    annotationCalls.push_back(intrinsic);
    Slot slot;
    slot.storage = intrinsic->getArgOperand(0)->stripPointerCasts();
    slot.name = parsed->get("name").str();
    slot.typeName = parsed->get("type").str();
    slot.liveAnywhere = parsed->get("live") == "1";
    slot.isParam = parsed->get("role") == "param";
    slot.size = parseNumber(parsed->get("size"), 0);
    slot.align = Align(parseNumber(parsed->get("align"), 1));
    if (auto* alloca = dyn_cast<AllocaInst>(slot.storage)) {
      if (std::optional<TypeSize> size = alloca->getAllocationSize(layout))
        slot.size = size->getFixedValue();
      slot.align = alloca->getAlign();
    }
    slot.id = int(parseNumber(parsed->get("id"), std::uint64_t(-1)));
    slot.addressed = parsed->get("addressed") == "1";
    slot.declLine = unsigned(parseNumber(parsed->get("line"), 0));
    slot.declColumn = unsigned(parseNumber(parsed->get("col"), 0));
    if (parsed->get("kind") == "refused") {
      slot.refused = true;
      slot.recheck = parsed->get("recheck") == "1";
      slot.refusedReason = parsed->get("reason").str();
      slot.refusedHint = parsed->get("hint").str();
      slot.kind = SlotKind::RawAddress;
    } else if (parsed->get("kind") == "frame_pointer") {
      slot.kind = SlotKind::FramePointer;
      slot.relatedId = parsed->get("target").str();
      slot.extent = std::uint32_t(parseNumber(parsed->get("extent"), 0));
    } else if (parsed->get("kind") == "pointer") {
      slot.kind = SlotKind::Pointer;
      slot.extent = std::uint32_t(parseNumber(parsed->get("at"), 0)); // the pointer's offset
      // A raw pointer to a class object: the codec that moves what it reaches, if any.
      slot.codec = annotationFunctions(intrinsic->getArgOperand(4));
    } else if (parsed->get("kind") == "element_reference") {
      slot.kind = SlotKind::ElementReference;
      slot.relatedId = parsed->get("base").str();
    } else if (parsed->get("kind") == "iterator") {
      slot.kind = SlotKind::Iterator;
      slot.relatedId = parsed->get("container").str();
      slot.codec = annotationFunctions(intrinsic->getArgOperand(4));
    } else if (parsed->get("kind") == "codec") {
      slot.kind = SlotKind::CodecAddress;
      slot.codec = annotationFunctions(intrinsic->getArgOperand(4));
    } else {
      bool small = slot.size <= 64 && !slot.addressed;
      slot.kind =
          isa<AllocaInst>(slot.storage) && small ? SlotKind::RawValue : SlotKind::RawAddress;
    }
    slot.hasDestructor = parsed->get("dtor") == "1";
    std::size_t expected = slot.kind == SlotKind::CodecAddress                     ? 4
                           : slot.kind == SlotKind::Iterator                       ? 5
                           : slot.kind == SlotKind::Pointer && !slot.codec.empty() ? 4
                                                                                   : 0;
    if (slot.codec.size() != expected) {
      slot.refused = true;
      slot.refusedReason = "its codec functions did not reach the pass (internal error)";
      slot.refusedHint = "please report this with the source";
    }
    slots.push_back(std::move(slot));
  }
  for (Instruction* call : annotationCalls)
    call->eraseFromParent();
  return slots;
}

void addThisSlot(Function& function, const FunctionInfo& info, std::vector<Slot>& slots) {
  // `this` is the first argument, after the result's address if it is returned in memory.
  Argument* self = nullptr;
  for (Argument& argument : function.args())
    if (!argument.hasStructRetAttr()) {
      self = &argument;
      break;
    }
  if (!self)
    return;
  // Clang keeps it in `this.addr`, stored once at entry and reloaded from there.
  for (Instruction& instruction : function.getEntryBlock()) {
    auto* store = dyn_cast<StoreInst>(&instruction);
    if (!store || store->getValueOperand() != self || !isa<AllocaInst>(store->getPointerOperand()))
      continue;
    Slot slot;
    slot.name = "this";
    slot.typeName = info.thisType;
    slot.kind = SlotKind::Pointer;
    slot.storage = store->getPointerOperand();
    slot.size = function.getDataLayout().getPointerSize();
    slot.align = function.getDataLayout().getPointerABIAlignment(0);
    slot.isParam = true;
    slots.push_back(std::move(slot));
    return;
  }
}

namespace {

/// The checkpointable callees of `function`, and whether it calls checkpoint() itself or a
/// checkpointable virtual function (which may capture whatever it reaches).
struct DirectCalls {
  bool checkpoint = false;
  SmallVector<Function*, 8> callees;
};

DirectCalls directCalls(Function& function, const FunctionInfo& info,
                        const MapVector<Function*, FunctionInfo>& known) {
  DirectCalls out;
  for (Instruction& instruction : instructions(function)) {
    auto* call = dyn_cast<CallBase>(&instruction);
    Function* callee = call ? call->getCalledFunction() : nullptr;
    if (call && !callee && findVirtualCallSite(*call, info))
      out.checkpoint = true;
    if (!callee || isa<IntrinsicInst>(call))
      continue;
    if (callee->getName() == kCheckpointSymbol)
      out.checkpoint = true;
    else if (info.callees.contains(callee->getName()) || known.count(callee))
      out.callees.push_back(callee);
  }
  return out;
}

} // namespace

SmallPtrSet<Function*, 16>
findFunctionsThatCannotCapture(const MapVector<Function*, FunctionInfo>& known) {
  DenseMap<Function*, DirectCalls> calls;
  for (auto& [function, info] : known)
    calls[function] = directCalls(*function, info, known);
  // Start from "may capture" for everything with a checkpoint() site or a call leaving the
  // module, then propagate to callers until nothing changes.
  SmallPtrSet<Function*, 16> mayCapture;
  bool changed = true;
  while (changed) {
    changed = false;
    for (auto& [function, direct] : calls) {
      if (mayCapture.contains(function))
        continue;
      bool may = direct.checkpoint || any_of(direct.callees, [&](Function* callee) {
                   return !known.count(callee) || mayCapture.contains(callee);
                 });
      if (may) {
        mayCapture.insert(function);
        changed = true;
      }
    }
  }
  SmallPtrSet<Function*, 16> cannot;
  for (auto& [function, info] : known)
    if (!mayCapture.contains(function))
      cannot.insert(function);
  return cannot;
}

std::vector<Site> collectSites(Function& function, const FunctionInfo& info,
                               const MapVector<Function*, FunctionInfo>& known,
                               const SmallPtrSetImpl<Function*>& cannotCapture) {
  std::vector<Site> sites;
  // The plugin's virtual call sites met: through a vtable, or devirtualized into a direct call.
  SmallPtrSet<const VirtualCall*, 4> met;
  for (Instruction& instruction : instructions(function)) {
    auto* call = dyn_cast<CallBase>(&instruction);
    if (!call || isa<IntrinsicInst>(call))
      continue;
    Function* callee = call->getCalledFunction();
    Site site;
    site.call = call;
    bool checkpointable =
        callee && (info.callees.contains(callee->getName()) || known.count(callee));
    if (checkpointable)
      for (const VirtualCall& listed : info.virtualCalls)
        if (mayBeDevirtualized(listed, call->getDebugLoc()))
          met.insert(&listed);
    if (!callee) {
      const VirtualCall* listed = findVirtualCallSite(*call, info, &met);
      if (!listed)
        continue;
      met.insert(listed);
      site.kind = SiteKind::VirtualCall;
      site.vtableSlot = listed->slot;
    } else if (callee->getName() == kCheckpointSymbol) {
      site.kind = SiteKind::Checkpoint;
    } else if (checkpointable && !cannotCapture.contains(callee)) {
      site.kind = SiteKind::Call;
      site.callee = callee;
    } else {
      continue;
    }
    if (const DebugLoc& location = call->getDebugLoc()) {
      site.line = location.getLine();
      site.column = location.getCol();
    }
    sites.push_back(site);
  }
  for (const VirtualCall& listed : info.virtualCalls)
    if (!met.contains(&listed))
      reportUnrecognisedVirtualCall(function, info, listed);
  return sites;
}

} // namespace ppp2p::pass
