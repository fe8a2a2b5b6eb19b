//===- CheckpointPass.cpp -------------------------------------------------===//

#include "CheckpointPass.h"

#include "DescriptorEmitter.h"
#include "Diagnostics.h"
#include "FrameRewriter.h"
#include "PointerTargets.h"
#include "SlotCollector.h"
#include "ValuesAcrossSites.h"

#include "llvm/IR/StructuralHash.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace ppp2p::pass {

PreservedAnalyses CheckpointPass::run(Module& module, ModuleAnalysisManager&) {
  // Running twice (the plugin loaded both ways) must not transform twice.
  if (module.getModuleFlag("ppp2p.transformed"))
    return PreservedAnalyses::all();
  MapVector<Function*, FunctionInfo> functions = collectCheckpointableFunctions(module);
  if (functions.empty())
    return PreservedAnalyses::all();
  module.addModuleFlag(Module::Warning, "ppp2p.transformed", 1);

  RuntimeAbi abi(module);
  SmallPtrSet<Function*, 16> cannotCapture = findFunctionsThatCannotCapture(functions);
  std::vector<GlobalVariable*> descriptors;
  for (auto& [function, info] : functions) {
    FrameModel model;
    model.info = info;
    model.slots = collectAnnotatedSlots(*function);
    if (info.hasThis)
      addThisSlot(*function, info, model.slots);
    model.sites = collectSites(*function, info, functions, cannotCapture);
    if (model.sites.empty()) {
      // Never captured, but spawnable: a descriptor without sites names it.
      clearSiteCallerAtEntry(abi, *function);
      model.slots.clear();
      descriptors.push_back(emitDescriptor(abi, model, frameFingerprint(model, 0)));
      continue;
    }
    std::uint64_t bodyHash = StructuralHash(*function, /*DetailedHash=*/true);
    if (!checkRefusedSlots(*function, model) || !prepareValuesAcrossSites(*function, model) ||
        !addTemporarySlots(*function, model) || !resolveRelatedSlots(*function, model))
      continue;
    findPointerTargets(model);
    computeSiteLiveness(model);
    layoutFrame(model);
    GlobalVariable* descriptor = emitDescriptor(abi, model, frameFingerprint(model, bodyHash));
    rewriteFrame(abi, model, descriptor);
    descriptors.push_back(descriptor);

    std::string problems;
    raw_string_ostream stream(problems);
    if (verifyFunction(*function, &stream))
      reportError(*function, DebugLoc(),
                  "ppp2p internal error: the transformed function is not valid IR (please "
                  "report this with the source): " +
                      problems);
  }
  emitRegistration(abi, descriptors);
  // A thunk is emitted with its target's definition (or, for an inline one, wherever its
  // vtable is), so a unit defining one defines a checkpointable function too; registered apart
  // from the descriptors, since the descriptor the registry keeps may come from a unit that
  // only calls the function directly and emitted no thunk.
  emitThunkRegistration(abi);
  return PreservedAnalyses::none();
}

} // namespace ppp2p::pass
