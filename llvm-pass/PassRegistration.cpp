//===- PassRegistration.cpp - Pass plugin entry point ---------------------===//
//
// The plugin library is also an LLVM pass plugin: the frontend plugin adds its own path to the
// pass plugins, and this registers the pass at the start of every pipeline (-O0 included).
// `opt -load-pass-plugin=ppp2p-plugin.so -passes=ppp2p-checkpoint` runs it alone (IR tests).
//
//===----------------------------------------------------------------------===//

#include "CheckpointPass.h"

#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/PassPlugin.h"

using namespace llvm;

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo llvmGetPassPluginInfo() {
  return {
      LLVM_PLUGIN_API_VERSION, "ppp2p-checkpoint", "0.1", [](PassBuilder& builder) {
        builder.registerPipelineStartEPCallback([](ModulePassManager& manager, OptimizationLevel) {
          manager.addPass(ppp2p::pass::CheckpointPass());
        });
        builder.registerPipelineParsingCallback(
            [](StringRef name, ModulePassManager& manager, ArrayRef<PassBuilder::PipelineElement>) {
              if (name != "ppp2p-checkpoint")
                return false;
              manager.addPass(ppp2p::pass::CheckpointPass());
              return true;
            });
      }};
}
