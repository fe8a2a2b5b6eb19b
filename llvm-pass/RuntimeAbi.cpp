//===- RuntimeAbi.cpp -----------------------------------------------------===//

#include "RuntimeAbi.h"

#include "llvm/IR/GlobalVariable.h"

using namespace llvm;

namespace ppp2p::pass {

RuntimeAbi::RuntimeAbi(Module& module) : module_(module) {}

Value* RuntimeAbi::threadState(IRBuilder<>& builder) {
  if (!thread_) {
    thread_ = module_.getGlobalVariable("__ppp2p_thread");
    if (!thread_) {
      LLVMContext& context = module_.getContext();
      auto* pointer = PointerType::getUnqual(context);
      auto* i32 = Type::getInt32Ty(context);
      auto* type = StructType::get(context, {pointer, pointer, i32, i32, pointer, pointer});
      thread_ = new GlobalVariable(module_, type, false, GlobalValue::ExternalLinkage, nullptr,
                                   "__ppp2p_thread", nullptr, GlobalValue::InitialExecTLSModel);
    }
  }
  return builder.CreateThreadLocalAddress(thread_);
}

Value* RuntimeAbi::threadField(IRBuilder<>& builder, unsigned offset) {
  Value* state = threadState(builder);
  if (offset == 0)
    return state;
  return builder.CreateConstInBoundsGEP1_64(builder.getInt8Ty(), state, offset);
}

FunctionCallee RuntimeAbi::capture() {
  LLVMContext& context = module_.getContext();
  return module_.getOrInsertFunction(
      "__ppp2p_capture",
      FunctionType::get(Type::getInt1Ty(context), {PointerType::getUnqual(context)}, false));
}

FunctionCallee RuntimeAbi::restoreFrame() {
  LLVMContext& context = module_.getContext();
  auto* pointer = PointerType::getUnqual(context);
  return module_.getOrInsertFunction(
      "__ppp2p_restore_frame",
      FunctionType::get(Type::getInt32Ty(context), {pointer, pointer}, false));
}

FunctionCallee RuntimeAbi::registerFunctions() {
  LLVMContext& context = module_.getContext();
  return module_.getOrInsertFunction(
      "__ppp2p_register",
      FunctionType::get(Type::getVoidTy(context),
                        {PointerType::getUnqual(context), Type::getInt64Ty(context)}, false));
}

FunctionCallee RuntimeAbi::restoreCallee() {
  auto* pointer = PointerType::getUnqual(module_.getContext());
  return module_.getOrInsertFunction("__ppp2p_restore_callee", FunctionType::get(pointer, false));
}

FunctionCallee RuntimeAbi::registerThunks() {
  LLVMContext& context = module_.getContext();
  return module_.getOrInsertFunction(
      "__ppp2p_register_thunks",
      FunctionType::get(Type::getVoidTy(context),
                        {PointerType::getUnqual(context), Type::getInt64Ty(context)}, false));
}

GlobalVariable* RuntimeAbi::restoreScratch() {
  if (GlobalVariable* existing = module_.getGlobalVariable("__ppp2p_restore_scratch"))
    return existing;
  auto* type = ArrayType::get(Type::getInt8Ty(module_.getContext()), kRestoreScratchSize);
  auto* scratch = new GlobalVariable(module_, type, false, GlobalValue::ExternalLinkage, nullptr,
                                     "__ppp2p_restore_scratch");
  scratch->setAlignment(Align(64));
  return scratch;
}

StructType* RuntimeAbi::codecOpsType() {
  auto* pointer = PointerType::getUnqual(module_.getContext());
  return StructType::get(module_.getContext(), {pointer, pointer, pointer, pointer});
}

StructType* RuntimeAbi::slotDescriptorType() {
  LLVMContext& context = module_.getContext();
  auto* pointer = PointerType::getUnqual(context);
  auto* i32 = Type::getInt32Ty(context);
  return StructType::get(
      context, {pointer, pointer, i32, i32, Type::getInt64Ty(context), pointer, i32, i32});
}

StructType* RuntimeAbi::iteratorOpsType() {
  auto* pointer = PointerType::getUnqual(module_.getContext());
  return StructType::get(module_.getContext(), {pointer, pointer, pointer, pointer, pointer});
}

StructType* RuntimeAbi::siteDescriptorType() {
  LLVMContext& context = module_.getContext();
  auto* i32 = Type::getInt32Ty(context);
  return StructType::get(context, {i32, i32, i32, i32, PointerType::getUnqual(context),
                                   Type::getInt64Ty(context), i32, i32});
}

StructType* RuntimeAbi::functionDescriptorType() {
  LLVMContext& context = module_.getContext();
  auto* pointer = PointerType::getUnqual(context);
  auto* i32 = Type::getInt32Ty(context);
  auto* i64 = Type::getInt64Ty(context);
  return StructType::get(context, {i32, i32, i64, i64, pointer, pointer, pointer, pointer, pointer,
                                   i32, i32, pointer, pointer, pointer, i64});
}

StructType* RuntimeAbi::thunkEntryType() {
  LLVMContext& context = module_.getContext();
  return StructType::get(context, {PointerType::getUnqual(context), Type::getInt64Ty(context)});
}

std::uint64_t fnv1a(StringRef text, std::uint64_t seed) {
  std::uint64_t hash = seed;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

} // namespace ppp2p::pass
