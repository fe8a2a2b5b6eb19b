//===- DescriptorEmitter.cpp ----------------------------------------------===//

#include "DescriptorEmitter.h"

#include "VirtualCalls.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/Transforms/Utils/ModuleUtils.h"

using namespace llvm;

namespace ppp2p::pass {
namespace {

/// ConstantStruct::get, refusing (loudly) a field count that does not match the ABI's type.
Constant* checkedStruct(StructType* type, ArrayRef<Constant*> fields) {
  if (fields.size() != type->getNumElements())
    report_fatal_error("ppp2p: descriptor fields do not match the frame ABI (" +
                       Twine(fields.size()) + " for " + Twine(type->getNumElements()) + ")");
  return ConstantStruct::get(type, fields);
}

Constant* stringConstant(Module& module, StringRef text, const Twine& name) {
  Constant* data = ConstantDataArray::getString(module.getContext(), text);
  auto* global =
      new GlobalVariable(module, data->getType(), true, GlobalValue::PrivateLinkage, data, name);
  global->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
  global->setAlignment(Align(1));
  return global;
}

/// void resume(ptr result): calls the function with storage for parameters that live in
/// memory; the function, finding the thread restoring, restores them itself.
Function* emitResumeThunk(RuntimeAbi& abi, const FrameModel& model) {
  Module& module = abi.module();
  LLVMContext& context = module.getContext();
  Function& target = *model.info.function;
  auto* pointer = PointerType::getUnqual(context);
  auto* thunk =
      Function::Create(FunctionType::get(Type::getVoidTy(context), {pointer}, false),
                       GlobalValue::InternalLinkage, "__ppp2p.resume." + target.getName(), module);
  thunk->addFnAttr(Attribute::NoInline);
  Argument* result = thunk->getArg(0);
  IRBuilder<> builder(BasicBlock::Create(context, "entry", thunk));

  DenseMap<const Value*, const Slot*> slotOf;
  for (const Slot& slot : model.slots)
    slotOf[slot.storage] = &slot;

  SmallVector<Value*, 8> arguments;
  SmallVector<std::pair<Value*, const Slot*>, 4> toDestroy;
  const DataLayout& layout = module.getDataLayout();
  for (Argument& parameter : target.args()) {
    Type* type = parameter.getType();
    unsigned i = parameter.getArgNo();
    if (target.hasParamAttribute(i, Attribute::StructRet)) {
      arguments.push_back(result);
    } else if (Type* byval = target.getParamByValType(i)) {
      AllocaInst* storage = builder.CreateAlloca(byval);
      storage->setAlignment(layout.getPrefTypeAlign(byval));
      arguments.push_back(storage);
    } else if (auto it = slotOf.find(&parameter); it != slotOf.end()) {
      const Slot& slot = *it->second;
      AllocaInst* storage = builder.CreateAlloca(
          ArrayType::get(builder.getInt8Ty(), std::max<std::uint64_t>(slot.size, 1)));
      storage->setAlignment(std::max(slot.align, Align(16)));
      arguments.push_back(storage);
      if (slot.kind == SlotKind::CodecAddress)
        toDestroy.push_back({storage, &slot});
    } else if (type->isPointerTy()) {
      arguments.push_back(abi.restoreScratch());
    } else {
      arguments.push_back(Constant::getNullValue(type));
    }
  }
  CallInst* call = builder.CreateCall(target.getFunctionType(), &target, arguments);
  call->setCallingConv(target.getCallingConv());
  // Parameter attributes (sret, byval, zeroext...) decide how arguments are passed.
  AttributeList attributes = target.getAttributes();
  SmallVector<AttributeSet, 8> parameterAttributes;
  for (unsigned i = 0; i < target.arg_size(); ++i)
    parameterAttributes.push_back(attributes.getParamAttrs(i));
  call->setAttributes(
      AttributeList::get(context, AttributeSet(), attributes.getRetAttrs(), parameterAttributes));
  if (!call->getType()->isVoidTy())
    builder.CreateStore(call, result);
  for (auto [storage, slot] : toDestroy) {
    builder.CreateCall(slot->codec[3], {storage});
  }
  builder.CreateRetVoid();
  return thunk;
}

} // namespace

std::uint64_t frameFingerprint(const FrameModel& model, std::uint64_t bodyHash) {
  std::string key = model.info.function->getName().str();
  key += '|' + std::to_string(bodyHash) + '|' + std::to_string(model.recordSize);
  for (const Slot& slot : model.slots)
    key += '|' + slot.name + ':' + slot.typeName + ':' + std::to_string(unsigned(slot.kind)) + ':' +
           std::to_string(slot.size) + ':' + std::to_string(slot.recordOffset) + ':' +
           (slot.codec.empty() ? std::string() : slot.codec[0]->getName().str()) + ':' +
           std::to_string(slot.related);
  for (const Site& site : model.sites) {
    key += "|site:" + std::to_string(unsigned(site.kind)) + ':' +
           (site.callee ? site.callee->getName().str() : std::to_string(site.vtableSlot));
    for (unsigned live : site.liveSlots)
      key += ',' + std::to_string(live);
  }
  return fnv1a(key);
}

GlobalVariable* emitDescriptor(RuntimeAbi& abi, const FrameModel& model,
                               std::uint64_t fingerprint) {
  Module& module = abi.module();
  LLVMContext& context = module.getContext();
  Function& function = *model.info.function;
  StringRef mangled = function.getName();
  auto* i32 = Type::getInt32Ty(context);
  auto* i64 = Type::getInt64Ty(context);
  auto* pointer = PointerType::getUnqual(context);
  std::string prefix = "__ppp2p." + mangled.str();

  std::vector<Constant*> slots;
  for (unsigned i = 0; i < model.slots.size(); ++i) {
    const Slot& slot = model.slots[i];
    Constant* codec = ConstantPointerNull::get(pointer);
    if (slot.kind == SlotKind::Iterator) {
      Constant* ops =
          ConstantStruct::get(abi.iteratorOpsType(), {slot.codec[0], slot.codec[1], slot.codec[2],
                                                      slot.codec[3], slot.codec[4]});
      codec = new GlobalVariable(module, ops->getType(), true, GlobalValue::PrivateLinkage, ops,
                                 prefix + ".iterator." + Twine(i));
    } else if (slot.kind == SlotKind::CodecAddress ||
               (slot.kind == SlotKind::Pointer && slot.codec.size() == 4)) {
      Constant* ops = ConstantStruct::get(
          abi.codecOpsType(), {slot.codec[0], slot.codec[1], slot.codec[2], slot.codec[3]});
      codec = new GlobalVariable(module, ops->getType(), true, GlobalValue::PrivateLinkage, ops,
                                 prefix + ".codec." + Twine(i));
    }
    slots.push_back(checkedStruct(
        abi.slotDescriptorType(),
        {stringConstant(module, slot.name, prefix + ".slot.name"),
         stringConstant(module, slot.typeName, prefix + ".slot.type"),
         ConstantInt::get(i32, unsigned(slot.kind)), ConstantInt::get(i32, slot.recordOffset),
         ConstantInt::get(i64, slot.size), codec, ConstantInt::get(i32, slot.related),
         ConstantInt::get(i32, slot.extent)}));
  }
  auto* slotArrayType = ArrayType::get(abi.slotDescriptorType(), slots.size());
  auto* slotArray = new GlobalVariable(module, slotArrayType, true, GlobalValue::PrivateLinkage,
                                       ConstantArray::get(slotArrayType, slots), prefix + ".slots");

  std::vector<Constant*> sites;
  for (unsigned i = 0; i < model.sites.size(); ++i) {
    const Site& site = model.sites[i];
    std::vector<Constant*> live;
    for (unsigned slot : site.liveSlots)
      live.push_back(ConstantInt::get(i32, slot));
    auto* liveType = ArrayType::get(i32, live.size());
    auto* liveArray =
        new GlobalVariable(module, liveType, true, GlobalValue::PrivateLinkage,
                           ConstantArray::get(liveType, live), prefix + ".live." + Twine(i));
    bool isVirtual = site.kind == SiteKind::VirtualCall;
    std::uint64_t calleeId = isVirtual     ? signatureOf(site.call->getFunctionType())
                             : site.callee ? fnv1a(site.callee->getName())
                                           : 0;
    sites.push_back(checkedStruct(
        abi.siteDescriptorType(),
        {ConstantInt::get(i32, unsigned(site.kind)), ConstantInt::get(i32, site.line),
         ConstantInt::get(i32, site.column), ConstantInt::get(i32, live.size()), liveArray,
         ConstantInt::get(i64, calleeId), ConstantInt::get(i32, isVirtual ? model.calleeOffset : 0),
         ConstantInt::get(i32, 0)}));
  }
  auto* siteArrayType = ArrayType::get(abi.siteDescriptorType(), sites.size());
  auto* siteArray = new GlobalVariable(module, siteArrayType, true, GlobalValue::PrivateLinkage,
                                       ConstantArray::get(siteArrayType, sites), prefix + ".sites");

  std::string file = module.getSourceFileName();
  if (DISubprogram* subprogram = function.getSubprogram())
    file = subprogram->getFilename().str();

  Constant* thunk = model.sites.empty() ? static_cast<Constant*>(ConstantPointerNull::get(pointer))
                                        : emitResumeThunk(abi, model);
  Constant* descriptor = checkedStruct(
      abi.functionDescriptorType(),
      {ConstantInt::get(i32, kFrameAbiVersion), ConstantInt::get(i32, model.slots.size()),
       ConstantInt::get(i64, fnv1a(mangled)), ConstantInt::get(i64, fingerprint),
       stringConstant(module, mangled, prefix + ".mangled"),
       stringConstant(module, model.info.displayName, prefix + ".display"),
       stringConstant(module, model.info.returnType, prefix + ".return"),
       stringConstant(module, file, prefix + ".file"), slotArray,
       ConstantInt::get(i32, model.sites.size()), ConstantInt::get(i32, model.recordSize),
       siteArray, thunk, &function,
       ConstantInt::get(i64, signatureOf(function.getFunctionType()))});
  return new GlobalVariable(module, descriptor->getType(), true, GlobalValue::InternalLinkage,
                            descriptor, prefix + ".descriptor");
}

namespace {

/// A module constructor that calls `registrar(array, size)` on a private constant array of
/// `elements`, each of `elementType`.
void emitRegisteringConstructor(Module& module, FunctionCallee registrar, Type* elementType,
                                ArrayRef<Constant*> elements, const Twine& arrayName,
                                const Twine& constructorName) {
  LLVMContext& context = module.getContext();
  auto* arrayType = ArrayType::get(elementType, elements.size());
  auto* array = new GlobalVariable(module, arrayType, true, GlobalValue::PrivateLinkage,
                                   ConstantArray::get(arrayType, elements), arrayName);
  auto* constructor = Function::Create(FunctionType::get(Type::getVoidTy(context), false),
                                       GlobalValue::InternalLinkage, constructorName, module);
  IRBuilder<> builder(BasicBlock::Create(context, "entry", constructor));
  builder.CreateCall(registrar, {array, builder.getInt64(elements.size())});
  builder.CreateRetVoid();
  appendToGlobalCtors(module, constructor, 65535);
}

} // namespace

void emitThunkRegistration(RuntimeAbi& abi) {
  Module& module = abi.module();
  std::vector<Constant*> entries;
  for (Function& function : module)
    if (std::optional<std::string> target = thisAdjustedTarget(function.getName());
        target && !function.isDeclaration())
      entries.push_back(ConstantStruct::get(
          abi.thunkEntryType(),
          {&function, ConstantInt::get(Type::getInt64Ty(module.getContext()), fnv1a(*target))}));
  if (!entries.empty())
    emitRegisteringConstructor(module, abi.registerThunks(), abi.thunkEntryType(), entries,
                               "__ppp2p.module.thunks", "__ppp2p.module.register_thunks");
}

void emitRegistration(RuntimeAbi& abi, ArrayRef<GlobalVariable*> descriptors) {
  if (descriptors.empty())
    return;
  std::vector<Constant*> elements(descriptors.begin(), descriptors.end());
  emitRegisteringConstructor(abi.module(), abi.registerFunctions(),
                             PointerType::getUnqual(abi.module().getContext()), elements,
                             "__ppp2p.module.descriptors", "__ppp2p.module.register");
}

} // namespace ppp2p::pass
