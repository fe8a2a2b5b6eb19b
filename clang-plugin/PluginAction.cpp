//===- PluginAction.cpp - The ppp2p frontend plugin -----------------------===//
//
// Runs before the main action: analyses each checkpointable function as soon as its definition
// is complete (before code generation sees it), defines the codecs of classes moved field by
// field once the translation unit is complete, defines __PPP2P_PLUGIN__, turns on source
// location tracking (so that sites and the pass's errors carry line:column without emitting
// debug info), and adds this same shared library as a pass plugin, so `-fplugin=` is the only
// flag users need.
//
//===----------------------------------------------------------------------===//

#include "ClassCodecDefiner.h"
#include "FunctionAnnotator.h"
#include "PolymorphicRegistrar.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendPluginRegistry.h"
#include "clang/Lex/Preprocessor.h"
#include "clang/Sema/SemaConsumer.h"

#include <dlfcn.h>

using namespace clang;

namespace ppp2p::plugin {
namespace {

class Consumer : public SemaConsumer {
public:
  void InitializeSema(Sema& sema) override {
    sema_ = &sema;
    annotator_ = std::make_unique<FunctionAnnotator>(sema);
    classes_ =
        std::make_unique<ClassCodecDefiner>(sema, annotator_->codecs(), annotator_->classifier());
    owners_ = std::make_unique<PolymorphicRegistrar>(sema, annotator_->codecs(),
                                                     annotator_->classifier());
  }
  void ForgetSema() override {
    owners_.reset();
    classes_.reset();
    annotator_.reset();
    sema_ = nullptr;
  }

  bool HandleTopLevelDecl(DeclGroupRef group) override {
    for (Decl* decl : group)
      visit(decl, /*instantiations=*/false);
    return true;
  }

  void HandleInlineFunctionDefinition(FunctionDecl* fn) override { visit(fn, false); }

  void HandleTranslationUnit(ASTContext& context) override {
    if (!sema_)
      return;
    // Template instantiations made at the end of the translation unit.
    visit(context.getTranslationUnitDecl(), /*instantiations=*/true);
    sema_->PerformPendingInstantiations();
    // Codecs of classes moved field by field, asked for by all of the above, and the classes
    // smart pointers to polymorphic bases may own; each may ask for more (a class holding
    // another, a smart pointer inside a class).
    for (;;) {
      bool defined = classes_->defineNew();
      bool registered = owners_->registerNew();
      if (!defined && !registered)
        break;
      sema_->PerformPendingInstantiations();
    }
  }

private:
  void visit(Decl* decl, bool instantiations) {
    if (!annotator_ || !decl)
      return;
    if (auto* fn = dyn_cast<FunctionDecl>(decl)) {
      annotator_->handle(*fn);
      return;
    }
    if (auto* tmpl = dyn_cast<FunctionTemplateDecl>(decl)) {
      if (instantiations)
        for (FunctionDecl* spec : tmpl->specializations())
          annotator_->handle(*spec);
      return;
    }
    if (auto* tmpl = dyn_cast<ClassTemplateDecl>(decl)) {
      if (instantiations)
        for (ClassTemplateSpecializationDecl* spec : tmpl->specializations())
          visit(spec, instantiations);
      return;
    }
    if (auto* record = dyn_cast<CXXRecordDecl>(decl); record && record->isDependentContext())
      return;
    if (auto* context = dyn_cast<DeclContext>(decl);
        context &&
        (isa<NamespaceDecl, LinkageSpecDecl, ExportDecl, CXXRecordDecl, TranslationUnitDecl>(decl)))
      for (Decl* member : context->decls())
        visit(member, instantiations);
  }

  Sema* sema_ = nullptr;
  std::unique_ptr<FunctionAnnotator> annotator_;
  std::unique_ptr<ClassCodecDefiner> classes_;
  std::unique_ptr<PolymorphicRegistrar> owners_;
};

void locateThisLibrary() {}

class Action : public PluginASTAction {
protected:
  std::unique_ptr<ASTConsumer> CreateASTConsumer(CompilerInstance& compiler,
                                                 llvm::StringRef) override {
    CodeGenOptions& codegen = compiler.getCodeGenOpts();
    Dl_info self;
    if (dladdr(reinterpret_cast<void*>(&locateThisLibrary), &self) && self.dli_fname) {
      std::string path = self.dli_fname;
      if (std::find(codegen.PassPlugins.begin(), codegen.PassPlugins.end(), path) ==
          codegen.PassPlugins.end())
        codegen.PassPlugins.push_back(path);
    }
    if (codegen.getDebugInfo() == llvm::codegenoptions::NoDebugInfo)
      codegen.setDebugInfo(llvm::codegenoptions::LocTrackingOnly);
    Preprocessor& preprocessor = compiler.getPreprocessor();
    preprocessor.setPredefines(preprocessor.getPredefines() + "#define __PPP2P_PLUGIN__ 1\n");
    return std::make_unique<Consumer>();
  }

  bool ParseArgs(const CompilerInstance&, const std::vector<std::string>&) override { return true; }

  ActionType getActionType() override { return AddBeforeMainAction; }
};

} // namespace
} // namespace ppp2p::plugin

static FrontendPluginRegistry::Add<ppp2p::plugin::Action>
    registration("ppp2p", "ppp2p: compile-time strong mobility for [[ppp2p::checkpointable]]");
