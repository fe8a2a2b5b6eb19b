//===- FrameRewriter.cpp --------------------------------------------------===//

#include "FrameRewriter.h"

#include "ValuesAcrossSites.h"

#include "llvm/Analysis/ValueTracking.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/MDBuilder.h"

using namespace llvm;

namespace ppp2p::pass {
namespace {

class Rewriter {
public:
  Rewriter(RuntimeAbi& abi, FrameModel& model, GlobalVariable* descriptor)
      : abi_(abi), model_(model), function_(*model.info.function), descriptor_(descriptor),
        context_(function_.getContext()) {}

  void run();

private:
  Value* field(IRBuilder<>& builder, unsigned offset) {
    return builder.CreateConstInBoundsGEP1_64(builder.getInt8Ty(), record_, offset);
  }
  void storeSiteState(IRBuilder<>& builder, unsigned siteIndex, bool copyRawValues);
  void publishRecord(IRBuilder<>& builder) {
    builder.CreateStore(record_, abi_.threadField(builder, kThreadSiteCallerOffset));
  }
  void copyRawValuesBack(IRBuilder<>& builder, const Site& site);
  void buildEntry();
  void rewriteCheckpointSite(unsigned index);
  void rewriteCallSite(unsigned index);
  void buildDispatch();
  void dropLifetimeMarkers();
  DebugLoc entryLocation();

  RuntimeAbi& abi_;
  FrameModel& model_;
  Function& function_;
  GlobalVariable* descriptor_;
  LLVMContext& context_;
  AllocaInst* record_ = nullptr;
  BasicBlock* dispatch_ = nullptr;
  std::vector<BasicBlock*> resumeBlocks_; // per site: where the dispatch jumps
};

DebugLoc Rewriter::entryLocation() {
  if (DISubprogram* subprogram = function_.getSubprogram())
    return DILocation::get(context_, subprogram->getLine(), 0, subprogram);
  return DebugLoc();
}

void Rewriter::storeSiteState(IRBuilder<>& builder, unsigned siteIndex, bool copyRawValues) {
  builder.CreateStore(builder.getInt32(siteIndex), field(builder, kRecordSiteOffset));
  for (unsigned slotIndex : model_.sites[siteIndex].liveSlots) {
    const Slot& slot = model_.slots[slotIndex];
    if (heldByValue(slot.kind)) {
      if (copyRawValues)
        builder.CreateMemCpy(field(builder, slot.recordOffset), Align(1), slot.storage, slot.align,
                             slot.size);
    } else {
      builder.CreateStore(slot.storage, field(builder, slot.recordOffset));
    }
  }
}

void Rewriter::copyRawValuesBack(IRBuilder<>& builder, const Site& site) {
  for (unsigned slotIndex : site.liveSlots) {
    const Slot& slot = model_.slots[slotIndex];
    if (heldByValue(slot.kind))
      builder.CreateMemCpy(slot.storage, slot.align, field(builder, slot.recordOffset), Align(1),
                           slot.size);
  }
}

void Rewriter::buildEntry() {
  BasicBlock& entry = function_.getEntryBlock();
  auto firstCode = entry.begin();
  while (firstCode != entry.end() && isa<AllocaInst>(&*firstCode) &&
         cast<AllocaInst>(&*firstCode)->isStaticAlloca())
    ++firstCode;
  BasicBlock* body = entry.splitBasicBlock(firstCode, "ppp2p.body");

  auto* recordType = ArrayType::get(Type::getInt8Ty(context_), model_.recordSize);
  record_ = new AllocaInst(recordType, function_.getDataLayout().getAllocaAddrSpace(),
                           "ppp2p.frame", entry.begin());
  record_->setAlignment(Align(16));

  dispatch_ = BasicBlock::Create(context_, "ppp2p.restore", &function_);
  entry.getTerminator()->eraseFromParent();
  IRBuilder<> builder(&entry);
  builder.SetCurrentDebugLocation(entryLocation());
  Value* siteCaller = abi_.threadField(builder, kThreadSiteCallerOffset);
  Value* parent = builder.CreateLoad(builder.getPtrTy(), siteCaller, "ppp2p.parent");
  builder.CreateStore(ConstantPointerNull::get(builder.getPtrTy()), siteCaller);
  builder.CreateStore(parent, field(builder, kRecordParentOffset));
  builder.CreateStore(descriptor_, field(builder, kRecordFunctionOffset));
  Value* restoring = builder.CreateLoad(
      builder.getPtrTy(), abi_.threadField(builder, kThreadRestoringOffset), "ppp2p.restoring");
  Value* isRestoring = builder.CreateIsNotNull(restoring);
  builder.CreateCondBr(isRestoring, dispatch_, body,
                       MDBuilder(context_).createUnlikelyBranchWeights());
}

void Rewriter::rewriteCheckpointSite(unsigned index) {
  Site& site = model_.sites[index];
  CallBase* call = site.call;
  BasicBlock* block = call->getParent();
  auto* invoke = dyn_cast<InvokeInst>(call);

  // block: ...; br %due, capture, cont     cont: phi; (rest | br normal)
  BasicBlock* cont = block->splitBasicBlock(call->getIterator(), "ppp2p.after.checkpoint");
  block->getTerminator()->eraseFromParent();
  BasicBlock* capture = BasicBlock::Create(context_, "ppp2p.capture", &function_, cont);

  IRBuilder<> builder(block);
  builder.SetCurrentDebugLocation(call->getDebugLoc());
  // Atomic, since other threads set the flag to request a capture: a plain load would be a data
  // race (undefined behaviour, and ThreadSanitizer reports it). Unordered, not monotonic: it
  // is still a plain mov, and the optimizer may still merge the polls of sites that follow one
  // another without a call between them (monotonic measured 5 % slower in bench-overhead).
  LoadInst* due = builder.CreateLoad(
      builder.getInt32Ty(), abi_.threadField(builder, kThreadCaptureDueOffset), "ppp2p.due");
  due->setAtomic(AtomicOrdering::Unordered);
  due->setAlignment(Align(alignof(std::uint32_t)));
  builder.CreateCondBr(builder.CreateIsNotNull(due), capture, cont,
                       MDBuilder(context_).createUnlikelyBranchWeights());

  builder.SetInsertPoint(capture);
  storeSiteState(builder, index, /*copyRawValues=*/true);
  publishRecord(builder);
  Value* captured;
  BasicBlock* captureEnd = capture;
  if (invoke) {
    // The capture may throw (out of memory) where the checkpoint() call could.
    BasicBlock* unwind = invoke->getUnwindDest();
    captured = builder.CreateInvoke(abi_.capture(), cont, unwind, {record_});
    unwind->replacePhiUsesWith(cont, capture);
  } else {
    captured = builder.CreateCall(abi_.capture(), {record_});
    builder.CreateBr(cont);
  }

  BasicBlock* resume = BasicBlock::Create(context_, "ppp2p.resume.checkpoint", &function_);
  resumeBlocks_[index] = resume;
  builder.SetInsertPoint(resume);
  builder.SetCurrentDebugLocation(call->getDebugLoc());
  copyRawValuesBack(builder, site);
  builder.CreateBr(cont);

  builder.SetInsertPoint(cont, cont->begin());
  PHINode* result = builder.CreatePHI(builder.getInt1Ty(), 3, "ppp2p.resumed");
  result->addIncoming(builder.getFalse(), block);
  result->addIncoming(captured, captureEnd);
  result->addIncoming(builder.getTrue(), resume);
  Value* replacement = result;
  if (call->getType() != result->getType() && !call->getType()->isVoidTy())
    replacement = builder.CreateZExt(result, call->getType());
  if (!call->getType()->isVoidTy())
    call->replaceAllUsesWith(replacement);
  if (invoke)
    IRBuilder<>(invoke).CreateBr(invoke->getNormalDest());
  call->eraseFromParent();
}

void Rewriter::rewriteCallSite(unsigned index) {
  Site& site = model_.sites[index];
  CallBase* call = site.call;
  BasicBlock* block = call->getParent();
  auto* invoke = dyn_cast<InvokeInst>(call);

  IRBuilder<> builder(call);
  storeSiteState(builder, index, /*copyRawValues=*/true);
  bool isVirtual = site.kind == SiteKind::VirtualCall;
  if (isVirtual) // what the vtable gave: a capture checks that the frame below runs it
    builder.CreateStore(call->getCalledOperand(), field(builder, model_.calleeOffset));
  publishRecord(builder);

  BasicBlock* cont;
  if (invoke) {
    BasicBlock* normal = invoke->getNormalDest();
    cont = BasicBlock::Create(context_, "ppp2p.after.call", &function_, normal);
    invoke->setNormalDest(cont);
    BranchInst::Create(normal, cont);
    normal->replacePhiUsesWith(block, cont);
  } else {
    cont = block->splitBasicBlock(std::next(call->getIterator()), "ppp2p.after.call");
  }

  // Re-entry: the callee finds the thread restoring and restores its own frame.
  BasicBlock* resume = BasicBlock::Create(context_, "ppp2p.resume.call", &function_);
  resumeBlocks_[index] = resume;
  builder.SetInsertPoint(resume);
  builder.SetCurrentDebugLocation(call->getDebugLoc());
  copyRawValuesBack(builder, site);
  storeSiteState(builder, index, /*copyRawValues=*/false);
  publishRecord(builder);
  auto* again = cast<CallBase>(call->clone());
  if (isVirtual) {
    // The object whose vtable chose the callee is restored by the callee's own frame: call
    // what the snapshot says ran there.
    Value* target = builder.CreateCall(abi_.restoreCallee(), {}, "ppp2p.callee");
    builder.CreateStore(target, field(builder, model_.calleeOffset));
    again->setCalledOperand(target);
  }
  builder.Insert(again);
  if (!again->getType()->isVoidTy() && call->hasName())
    again->setName(call->getName() + ".resumed");
  for (unsigned i = 0; i < again->arg_size(); ++i) {
    Value* argument = call->getArgOperand(i);
    if (isRematerializable(argument))
      again->setArgOperand(i, rematerialize(argument, again));
    else if (argument->getType()->isPointerTy())
      again->setArgOperand(i, abi_.restoreScratch());
    else
      again->setArgOperand(i, Constant::getNullValue(argument->getType()));
  }
  if (auto* invokeAgain = dyn_cast<InvokeInst>(again)) {
    invokeAgain->setNormalDest(cont);
    BasicBlock* unwind = invokeAgain->getUnwindDest();
    for (PHINode& phi : unwind->phis()) {
      Value* incoming = phi.getIncomingValueForBlock(block);
      phi.addIncoming(
          isa<Constant, Argument>(incoming) ? incoming : PoisonValue::get(phi.getType()), resume);
    }
  } else {
    builder.CreateBr(cont);
  }

  if (!call->getType()->isVoidTy() && !call->use_empty()) {
    IRBuilder<> phiBuilder(cont, cont->begin());
    PHINode* result = phiBuilder.CreatePHI(call->getType(), 2, call->getName() + ".merged");
    call->replaceUsesWithIf(result, [&](Use& use) { return use.getUser() != result; });
    result->addIncoming(call, block);
    result->addIncoming(again, resume);
  }
  if (isVirtual) {
    // A callee the plugin did not transform (a plain virtual function in the same vtable slot
    // on the same line) leaves the link set: clear it, so that checkpointable code reached from
    // plain code later in this frame is not taken for this site's callee.
    IRBuilder<> after(cont, cont->getFirstInsertionPt());
    after.SetCurrentDebugLocation(call->getDebugLoc());
    after.CreateStore(ConstantPointerNull::get(after.getPtrTy()),
                      abi_.threadField(after, kThreadSiteCallerOffset));
  }
}

void Rewriter::buildDispatch() {
  IRBuilder<> builder(dispatch_);
  builder.SetCurrentDebugLocation(entryLocation());
  for (const Slot& slot : model_.slots)
    if (!heldByValue(slot.kind))
      builder.CreateStore(slot.storage, field(builder, slot.recordOffset));
  Value* site = builder.CreateCall(abi_.restoreFrame(), {descriptor_, record_}, "ppp2p.site");
  BasicBlock* invalid = BasicBlock::Create(context_, "ppp2p.restore.invalid", &function_);
  SwitchInst* dispatch = builder.CreateSwitch(site, invalid, model_.sites.size());
  for (unsigned i = 0; i < model_.sites.size(); ++i)
    dispatch->addCase(builder.getInt32(i), resumeBlocks_[i]);
  builder.SetInsertPoint(invalid);
  builder.CreateIntrinsic(Intrinsic::trap, {}, {});
  builder.CreateUnreachable();
}

void Rewriter::dropLifetimeMarkers() {
  // The restore path enters the middle of these objects' lifetimes without passing their
  // lifetime.start; markers would make the restored values dead to the optimiser.
  SmallPtrSet<const Value*, 16> storage;
  for (const Slot& slot : model_.slots)
    storage.insert(slot.storage);
  for (const Site& site : model_.sites)
    for (const Value* argument : site.call->args())
      if (isa<AllocaInst>(argument))
        storage.insert(argument);
  SmallVector<Instruction*, 16> markers;
  for (BasicBlock& block : function_)
    for (Instruction& instruction : block)
      if (auto* marker = dyn_cast<LifetimeIntrinsic>(&instruction))
        if (storage.contains(getUnderlyingObject(marker->getArgOperand(1))))
          markers.push_back(marker);
  for (Instruction* marker : markers)
    marker->eraseFromParent();
}

void Rewriter::run() {
  dropLifetimeMarkers();
  buildEntry();
  resumeBlocks_.assign(model_.sites.size(), nullptr);
  for (unsigned i = 0; i < model_.sites.size(); ++i) {
    if (model_.sites[i].kind == SiteKind::Checkpoint)
      rewriteCheckpointSite(i);
    else
      rewriteCallSite(i);
  }
  buildDispatch();
}

} // namespace

void layoutFrame(FrameModel& model) {
  std::uint64_t offset = kRecordHeaderSize;
  for (Slot& slot : model.slots) {
    if (heldByValue(slot.kind)) {
      std::uint64_t align = std::min<std::uint64_t>(slot.align.value(), 16);
      offset = alignTo(offset, align);
      slot.recordOffset = unsigned(offset);
      offset += slot.size;
    } else {
      offset = alignTo(offset, 8);
      slot.recordOffset = unsigned(offset);
      offset += 8;
    }
  }
  if (any_of(model.sites, [](const Site& site) { return site.kind == SiteKind::VirtualCall; })) {
    offset = alignTo(offset, 8);
    model.calleeOffset = unsigned(offset);
    offset += 8;
  }
  model.recordSize = unsigned(alignTo(offset, 16));
}

void clearSiteCallerAtEntry(RuntimeAbi& abi, Function& function) {
  BasicBlock& entry = function.getEntryBlock();
  IRBuilder<> builder(&entry, entry.getFirstNonPHIOrDbgOrAlloca());
  if (DISubprogram* subprogram = function.getSubprogram())
    builder.SetCurrentDebugLocation(
        DILocation::get(function.getContext(), subprogram->getLine(), 0, subprogram));
  builder.CreateStore(ConstantPointerNull::get(builder.getPtrTy()),
                      abi.threadField(builder, kThreadSiteCallerOffset));
}

void rewriteFrame(RuntimeAbi& abi, FrameModel& model, GlobalVariable* descriptor) {
  Rewriter(abi, model, descriptor).run();
}

} // namespace ppp2p::pass
