//===- FunctionAnnotator.cpp ----------------------------------------------===//

#include "FunctionAnnotator.h"

#include "AnnotationFormat.h"
#include "Annotations.h"
#include "GlobalStateCheck.h"
#include "LiveAcrossSites.h"
#include "SiteFinder.h"
#include "VirtualCallSites.h"

#include "clang/AST/Attr.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/StmtCXX.h"
#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/Support/raw_ostream.h"

using namespace clang;

namespace ppp2p::plugin {
namespace {

bool isPassedIndirectly(const VarDecl& var) {
  if (!isa<ParmVarDecl>(var))
    return false;
  const auto* record = var.getType()->getAsCXXRecordDecl();
  return record && record->hasDefinition() && !record->canPassInRegisters();
}

bool containsCall(const Stmt* stmt, const llvm::DenseSet<const CallExpr*>& calls) {
  if (!stmt)
    return false;
  if (const auto* call = dyn_cast<CallExpr>(stmt); call && calls.contains(call))
    return true;
  for (const Stmt* child : stmt->children())
    if (containsCall(child, calls))
      return true;
  return false;
}

/// In aggregate initialisation `T v{a, f(), c}` with a site in `f()`, the fields initialised
/// before it are constructed objects inside a `v` whose own life has not begun: they cannot be
/// captured. Returns the first such field's initialiser.
const Expr* fieldBuiltBeforeSite(const Expr* init, const llvm::DenseSet<const CallExpr*>& sites) {
  const auto* list = dyn_cast_or_null<InitListExpr>(init ? init->IgnoreImplicit() : nullptr);
  if (!list)
    return nullptr;
  const Expr* built = nullptr;
  for (const Expr* element : list->inits()) {
    if (built && containsCall(element, sites))
      return built;
    if (const Expr* inner = fieldBuiltBeforeSite(element, sites))
      return inner;
    const auto* record = element->getType()->getAsCXXRecordDecl();
    if (!built && record && record->hasDefinition() && !record->hasTrivialDestructor())
      built = element;
  }
  return nullptr;
}

} // namespace

FunctionAnnotator::FunctionAnnotator(Sema& sema)
    : sema_(sema), codecs_(sema), classifier_(sema.getASTContext()) {
  codecs_.setFlattenable([this](QualType type) {
    Classification c = classifier_.classify(type);
    return c.movability == Movability::Refused && c.fieldwise;
  });
}

void FunctionAnnotator::handle(FunctionDecl& fn) {
  if (fn.isDependentContext() || !fn.doesThisDeclarationHaveABody() || fn.isInvalidDecl())
    return;
  if (!seen_.insert(&fn).second)
    return;
  if (isCheckpointable(&fn)) {
    warnOverriddenNotCheckpointable(sema_, fn);
    refuseMutableGlobals(sema_, fn); // reported beside what annotateCheckpointable refuses
    annotateCheckpointable(fn);
  } else
    warnStrayCheckpoints(fn);
}

std::string FunctionAnnotator::typeName(QualType type) {
  return type.getAsString(sema_.getASTContext().getPrintingPolicy());
}

std::string FunctionAnnotator::thisType(const FunctionDecl& fn) {
  const auto* method = dyn_cast<CXXMethodDecl>(&fn);
  if (!method || method->isStatic())
    return "";
  return typeName(method->getThisType());
}

std::string FunctionAnnotator::displayName(const FunctionDecl& fn) {
  std::string out;
  llvm::raw_string_ostream stream(out);
  fn.getNameForDiagnostic(stream, sema_.getASTContext().getPrintingPolicy(), /*Qualified=*/true);
  stream << '(';
  for (unsigned i = 0; i < fn.getNumParams(); ++i)
    stream << (i ? ", " : "") << typeName(fn.getParamDecl(i)->getType());
  stream << ')';
  return out;
}

void FunctionAnnotator::warnStrayCheckpoints(const FunctionDecl& fn) {
  DiagnosticsEngine& diags = sema_.getDiagnostics();
  // Calls in ppp2p's own headers are deliberate.
  if (sema_.getSourceManager().isInSystemHeader(fn.getLocation()))
    return;
  // Marked, and refused with an error already: telling the user to mark it would mislead.
  if (hasAnnotation(&fn, annotation::kCheckpointableRefusedTag))
    return;
  for (const CallExpr* call : findCheckpointCalls(fn)) {
    unsigned id = diags.getCustomDiagID(
        DiagnosticsEngine::Warning,
        "ppp2p::checkpoint() in %0, which is not [[ppp2p::checkpointable]], captures nothing");
    unsigned note = diags.getCustomDiagID(DiagnosticsEngine::Note,
                                          "mark %0 [[ppp2p::checkpointable]] and call it only from "
                                          "checkpointable functions to make this a site");
    diags.Report(call->getBeginLoc(), id) << &fn;
    diags.Report(fn.getLocation(), note) << &fn;
  }
}

bool FunctionAnnotator::refuseShape(const FunctionDecl& fn) {
  DiagnosticsEngine& diags = sema_.getDiagnostics();
  if (isa<CXXConstructorDecl, CXXDestructorDecl>(fn)) {
    // Reported when the attribute is parsed; instantiations land here.
    return true;
  }
  if (fn.isVariadic()) {
    diags.Report(fn.getLocation(),
                 diags.getCustomDiagID(DiagnosticsEngine::Error,
                                       "[[ppp2p::checkpointable]] function %0 cannot be "
                                       "variadic: its C varargs cannot be captured"))
        << &fn;
    return true;
  }
  if (isa_and_nonnull<CoroutineBodyStmt>(fn.getBody())) {
    diags.Report(fn.getLocation(),
                 diags.getCustomDiagID(DiagnosticsEngine::Error,
                                       "[[ppp2p::checkpointable]] function %0 cannot be a "
                                       "coroutine: its frame lives on the heap, not in sites"))
        << &fn;
    return true;
  }
  return false;
}

void FunctionAnnotator::addFunctions(const CodecFunctions& functions, SourceLocation where,
                                     std::vector<Expr*>& args) {
  for (CXXMethodDecl* function : functions)
    args.push_back(codecs_.addressOf(function, where));
}

bool FunctionAnnotator::annotateSlot(const FunctionDecl& fn, const VarDecl& var,
                                     const LiveAcrossSites& live, llvm::ArrayRef<Site> sites,
                                     std::vector<std::pair<llvm::StringRef, std::string>>& fields,
                                     std::vector<Expr*>& args) {
  ASTContext& context = sema_.getASTContext();
  DiagnosticsEngine& diags = sema_.getDiagnostics();
  // The AST's verdict decides errors, with notes at the right places; the pass decides on the
  // IR what each site captures, and re-checks refused variables the AST found dead.
  const CallExpr* site = nullptr;
  if (auto it = live.firstSite.find(&var); it != live.firstSite.end())
    site = it->second;
  else if (!live.computed)
    site = sites.front().call;
  bool indirect = isPassedIndirectly(var);

  llvm::DenseSet<const CallExpr*> siteCalls;
  for (const Site& s : sites)
    siteCalls.insert(s.call);
  if (const Expr* built = fieldBuiltBeforeSite(var.getInit(), siteCalls)) {
    diags.Report(var.getLocation(),
                 diags.getCustomDiagID(DiagnosticsEngine::Error,
                                       "%0 is initialised field by field around a ppp2p site: "
                                       "its fields built before the site cannot move while %0 "
                                       "itself is not yet constructed"))
        << &var;
    diags.Report(built->getBeginLoc(),
                 diags.getCustomDiagID(DiagnosticsEngine::Note, "this field is built before "
                                                                "the site"));
    diags.Report(var.getLocation(),
                 diags.getCustomDiagID(DiagnosticsEngine::Note,
                                       "hint: call the checkpointable function first, into a "
                                       "local variable, and initialise %0 from that"))
        << &var;
    return false;
  }
  Classification c = classifier_.classifyVariable(var.getType());
  if (c.movability == Movability::Refused) {
    if (auto range = frame_.rangeVars.find(&var); range != frame_.rangeVars.end()) {
      std::size_t before = fields.size();
      fields.push_back({"live", "1"});
      if (annotateRangeVar(var, range->second, site, fields, args))
        return true;
      if (site)
        return false;
      fields.resize(before); // dead per the AST: annotated as refused below, re-checked on IR
    }
  }
  if (auto holder = frame_.holders.find(&var);
      holder != frame_.holders.end() && c.movability == Movability::Refused) {
    // `auto [a, b] = pair`: a reference into the hidden object, relocated with it. Not for
    // bindings to references to other objects (`auto& [a, b] = p`), unless they are a
    // range-for's element.
    const DecompositionDecl* hidden = holder->second;
    bool element = false;
    if (auto it = frame_.rangeVars.find(hidden); it != frame_.rangeVars.end())
      element = it->second.role == RangeRole::Element;
    if (!hidden->getType()->isReferenceType() || element) {
      fields.push_back({"live", "1"});
      fields.push_back({"kind", "frame_pointer"});
      fields.push_back({"target", std::to_string(frame_.ids.lookup(hidden))});
      fields.push_back(
          {"extent",
           std::to_string(
               context.getTypeSizeInChars(hidden->getType().getNonReferenceType()).getQuantity())});
      return true;
    }
    // `auto& [a, b] = p`: references into p, relocated like any other below.
  }
  unsigned pointerOffset = 0;
  std::optional<Classification> pointer =
      classifier_.classifyPointerVariable(var.getType(), &pointerOffset);
  // A raw pointer to a class object relocates like any pointer; where it points nowhere the
  // snapshot holds, it moves the objects it reaches by its codec (tracked_pointers.hpp).
  bool tracked = pointer && c.movability == Movability::Codec &&
                 classifier_.trackablePointee(var.getType().getCanonicalType());
  if (pointer) // pointers, references, iterators and views: relocated, whatever else moves them
    c = *pointer;
  fields.push_back({"live", "1"});
  if (c.movability == Movability::Raw && pointer) {
    if (const VarDecl* global = site ? pointsIntoWritableGlobal(fn, var) : nullptr) {
      diags.Report(var.getLocation(),
                   diags.getCustomDiagID(DiagnosticsEngine::Error,
                                         "%0 of type %1 is live across a ppp2p site and points "
                                         "into %2, a global variable of this process, which a "
                                         "snapshot does not hold"))
          << &var << var.getType() << global << var.getSourceRange();
      diags.Report(site->getBeginLoc(),
                   diags.getCustomDiagID(DiagnosticsEngine::Note, "%0 is live across this site"))
          << &var;
      diags.Report(var.getLocation(),
                   diags.getCustomDiagID(DiagnosticsEngine::Note,
                                         "hint: keep an index into %0 instead, or keep what "
                                         "it points to in a local (ppp2p::global<T> for state "
                                         "the virtual threads share)"))
          << global;
      return false;
    }
    // Moved as (frame, slot, offset) of what it points into; the runtime refuses, naming it, a
    // pointer into anything the snapshot does not hold.
    fields.push_back({"kind", "pointer"});
    fields.push_back({"at", std::to_string(pointerOffset)});
    fields.push_back(
        {"size", std::to_string(context.getTypeSizeInChars(var.getType()).getQuantity())});
    return !tracked || addSlotCodec(var, /*fieldwise=*/false, args);
  }
  if (c.movability == Movability::Refused) {
    if (site || indirect) {
      if (site) {
        diags.Report(var.getLocation(),
                     diags.getCustomDiagID(DiagnosticsEngine::Error,
                                           "%0 of type %1 is live across a ppp2p site and "
                                           "cannot move to another process: %2"))
            << &var << var.getType() << c.reason << var.getSourceRange();
        diags.Report(site->getBeginLoc(),
                     diags.getCustomDiagID(DiagnosticsEngine::Note, "%0 is live across this site"))
            << &var;
      } else {
        diags.Report(var.getLocation(),
                     diags.getCustomDiagID(DiagnosticsEngine::Error,
                                           "parameter %0 of type %1 is passed by value and "
                                           "destroyed only after %2 returns, so it must move "
                                           "with the frame, but it cannot: %3"))
            << &var << var.getType() << &fn << c.reason;
      }
      diags.Report(var.getLocation(), diags.getCustomDiagID(DiagnosticsEngine::Note, "hint: %0"))
          << c.hint;
      return false;
    }
    fields.push_back({"kind", "refused"});
    fields.push_back({"reason", c.reason});
    fields.push_back({"hint", c.hint});
    // The AST's liveness can be wrong for scalars (it treats `p += f()` as a fresh write of
    // p); for objects, fresh per declaration, it is right, and the IR would blur a
    // field-by-field initialisation into an update.
    QualType type = var.getType();
    if (type->isPointerType() || type->isReferenceType() || type->isMemberPointerType())
      fields.push_back({"recheck", "1"});
    return true;
  }
  if (c.movability == Movability::Raw) {
    fields.push_back({"kind", "raw"});
  } else {
    if (!addSlotCodec(var, c.fieldwise, args))
      return false;
    fields.push_back({"kind", "codec"});
  }
  if (frame_.addressed.contains(&var))
    fields.push_back({"addressed", "1"});
  fields.push_back(
      {"size", std::to_string(context.getTypeSizeInChars(var.getType()).getQuantity())});
  fields.push_back(
      {"align", std::to_string(context.getTypeAlignInChars(var.getType()).getQuantity())});
  QualType base = context.getBaseElementType(var.getType());
  if (const auto* record = base->getAsCXXRecordDecl();
      record && record->hasDefinition() && !record->hasTrivialDestructor())
    fields.push_back({"dtor", "1"});
  return true;
}

bool FunctionAnnotator::addSlotCodec(const VarDecl& var, bool fieldwise, std::vector<Expr*>& args) {
  std::optional<CodecFunctions> functions =
      fieldwise ? codecs_.instantiateFieldwise(var.getType(), var.getLocation())
                : codecs_.instantiate(var.getType(), var.getLocation());
  if (!functions) {
    DiagnosticsEngine& diags = sema_.getDiagnostics();
    diags.Report(var.getLocation(),
                 diags.getCustomDiagID(DiagnosticsEngine::Error,
                                       "cannot instantiate the codec of %0 (type %1): is "
                                       "<ppp2p/ppp2p.hpp> included?"))
        << &var << var.getType();
    return false;
  }
  addFunctions(*functions, var.getLocation(), args);
  return true;
}

bool FunctionAnnotator::annotateRangeVar(
    const VarDecl& var, const RangeVar& range, const CallExpr* site,
    std::vector<std::pair<llvm::StringRef, std::string>>& fields, std::vector<Expr*>& args) {
  DiagnosticsEngine& diags = sema_.getDiagnostics();
  const RangeFor& loop = *range.loop;
  std::string reason, hint = "loop over an index, or copy the range into a local variable first";
  QualType container = loop.range ? loop.range->getType().getNonReferenceType() : QualType();
  const auto* record = container.isNull() ? nullptr : container->getAsCXXRecordDecl();
  bool proxy = record && record->isInStdNamespace() && record->getIdentifier() &&
               record->getName() == "vector" && isa<ClassTemplateSpecializationDecl>(record) &&
               cast<ClassTemplateSpecializationDecl>(record)
                   ->getTemplateArgs()[0]
                   .getAsType()
                   ->isBooleanType();
  // A range that is an outer loop's element reference (`for (auto& x : row)` inside
  // `for (auto& row : grid)`) is that element again.
  const RangeFor* outer = nullptr;
  if (loop.alias)
    if (auto it = frame_.rangeVars.find(loop.alias);
        it != frame_.rangeVars.end() && it->second.role == RangeRole::Element)
      outer = it->second.loop;
  if (!loop.target && !loop.temporaryRange && !outer && !proxy) {
    // The range is elsewhere (a reference parameter, an element of a container): the loop's
    // variables move as relocated pointers, found at capture in what the frames hold; iterators
    // that are not one pointer (a deque's, a user's container's) move as their distance from
    // the range's begin(), restored once the range's pointer is (below).
    const auto* fn = dyn_cast_or_null<FunctionDecl>(var.getParentFunctionOrMethod());
    std::optional<Classification> pointer = classifier_.classifyPointerVariable(var.getType());
    if (const VarDecl* global = fn ? pointsIntoWritableGlobal(*fn, *loop.range) : nullptr)
      reason = "its range is '" + global->getNameAsString() +
               "', a global variable of this process, which a snapshot does not hold";
    else if ((range.role != RangeRole::Begin && range.role != RangeRole::End) ||
             (pointer && pointer->movability == Movability::Raw)) {
      fields.push_back({"kind", "pointer"});
      return true;
    }
  } else if (!loop.target && !loop.temporaryRange && !outer)
    reason = "its range is not a local variable of this function, so it may not exist where "
             "the loop resumes";
  else if (proxy)
    reason = "std::vector<bool> has no element objects to refer to";

  if (reason.empty()) {
    auto id = [&](const VarDecl* of) { return std::to_string(frame_.ids.lookup(of)); };
    switch (range.role) {
    case RangeRole::Range:
      if (outer) {
        fields.push_back({"kind", "element_reference"});
        fields.push_back({"base", id(outer->begin)});
        return true;
      }
      fields.push_back({"kind", "frame_pointer"});
      fields.push_back({"target", loop.temporaryRange ? "temporary" : id(loop.target)});
      return true;
    case RangeRole::Begin:
    case RangeRole::End:
      if (var.getType()->isPointerType() && outer) {
        reason = "it iterates with raw pointers over an element of an outer loop";
        break;
      }
      if (var.getType()->isPointerType()) {
        // Into the same object as the range: resolved by the pass through the range's slot.
        fields.push_back({"kind", "frame_pointer"});
        fields.push_back(
            {"target", loop.temporaryRange ? "range:" + id(loop.range) : id(loop.target)});
        return true;
      }
      if (std::optional<CodecFunctions> functions =
              codecs_.instantiateIterator(container, var.getType(), var.getLocation())) {
        fields.push_back({"kind", "iterator"});
        fields.push_back({"container", id(loop.range)});
        addFunctions(*functions, var.getLocation(), args);
        fields.push_back(
            {"size", std::to_string(
                         sema_.getASTContext().getTypeSizeInChars(var.getType()).getQuantity())});
        return true;
      }
      reason = "its iterator type has no codec";
      break;
    case RangeRole::Element:
      fields.push_back({"kind", "element_reference"});
      fields.push_back({"base", id(loop.begin)});
      return true;
    }
  }
  if (!site || !frame_.reported.insert(loop.loop).second)
    return false;
  diags.Report(loop.loop->getColonLoc(),
               diags.getCustomDiagID(DiagnosticsEngine::Error,
                                     "this range-for loop is live across a ppp2p site, but it "
                                     "cannot move to another process: %0"))
      << reason;
  if (site)
    diags.Report(site->getBeginLoc(), diags.getCustomDiagID(DiagnosticsEngine::Note,
                                                            "the loop is live across this site"));
  diags.Report(loop.loop->getColonLoc(), diags.getCustomDiagID(DiagnosticsEngine::Note, "hint: %0"))
      << hint;
  return false;
}

void FunctionAnnotator::annotateCheckpointable(FunctionDecl& fn) {
  if (refuseShape(fn))
    return;
  ASTContext& context = sema_.getASTContext();
  std::vector<Site> sites = findSites(fn);
  std::vector<const VarDecl*> locals = findLocals(fn);
  LiveAcrossSites live = computeLiveAcrossSites(context, fn, sites, locals);
  classifier_.setUserCodec(codecs_.userCodecTemplate(),
                           [this](QualType type) { return codecs_.matchesPartialUserCodec(type); });

  frame_ = FrameContext();
  frame_.loops = findRangeFors(fn);
  for (unsigned i = 0; i < locals.size(); ++i)
    frame_.ids[locals[i]] = i;
  for (const VarDecl* var : locals)
    if (const auto* decomposition = dyn_cast<DecompositionDecl>(var))
      for (const BindingDecl* binding : decomposition->bindings())
        if (const VarDecl* holder = binding->getHoldingVar()) {
          frame_.holders[holder] = decomposition;
          if (!decomposition->getType()->isReferenceType())
            frame_.addressed.insert(decomposition);
        }
  for (const RangeFor& loop : frame_.loops) {
    frame_.rangeVars[loop.range] = {RangeRole::Range, &loop};
    frame_.rangeVars[loop.begin] = {RangeRole::Begin, &loop};
    frame_.rangeVars[loop.end] = {RangeRole::End, &loop};
    if (loop.element && loop.element->getType()->isReferenceType())
      frame_.rangeVars[loop.element] = {RangeRole::Element, &loop};
    if (loop.target)
      frame_.addressed.insert(loop.target);
  }

  SourceManager& sources = sema_.getSourceManager();
  for (const VarDecl* var : locals) {
    std::vector<std::pair<llvm::StringRef, std::string>> fields = {
        {"id", std::to_string(frame_.ids[var])},
        {"name", var->getNameAsString()},
        {"type", typeName(var->getType())},
        {"role", isa<ParmVarDecl>(var) ? "param" : "local"},
        {"line", std::to_string(sources.getExpansionLineNumber(var->getLocation()))},
        {"col", std::to_string(sources.getExpansionColumnNumber(var->getLocation()))}};
    std::vector<Expr*> args;
    if (!sites.empty())
      annotateSlot(fn, *var, live, sites, fields, args);
    else
      fields.push_back({"live", "0"});
    if (std::find(args.begin(), args.end(), nullptr) != args.end())
      args.clear(); // cannot happen for functions Sema instantiated; the pass then reports it
    const_cast<VarDecl*>(var)->addAttr(
        AnnotateAttr::CreateImplicit(context, annotation::format(annotation::kSlotTag, fields),
                                     args.data(), unsigned(args.size()), var->getSourceRange()));
  }

  std::string callees;
  for (const Site& site : sites) {
    if (site.isCheckpoint)
      continue;
    if (!callees.empty())
      callees += ',';
    callees += codecs_.mangle(GlobalDecl(site.callee));
    if (const CXXMethodDecl* overrider = devirtualizedCallee(site))
      callees += ',' + codecs_.mangle(GlobalDecl(overrider));
  }
  std::string virtualCalls = describeVirtualCalls(sema_, sites);
  // Temporaries alive across a site (until the end of their full-expression) move too; the
  // pass recognises them by their destructor.
  std::string temporaries;
  std::vector<Expr*> temporaryArgs;
  llvm::DenseSet<const Type*> seenTemporaries;
  if (!sites.empty()) {
    for (QualType type : findTemporaryTypes(fn)) {
      QualType canonical = type.getCanonicalType().getUnqualifiedType();
      const auto* record = canonical->getAsCXXRecordDecl();
      if (!record || !record->hasDefinition() ||
          !seenTemporaries.insert(canonical.getTypePtr()).second)
        continue;
      CXXDestructorDecl* dtor = record->getDestructor();
      Classification c = classifier_.classifyVariable(canonical);
      if (!dtor || c.movability == Movability::Refused)
        continue;
      std::optional<CodecFunctions> functions =
          c.fieldwise ? codecs_.instantiateFieldwise(canonical, fn.getLocation())
                      : codecs_.instantiate(canonical, fn.getLocation());
      if (!functions)
        continue;
      // Keyed by destructor: that is how the pass recognises the temporary's type. Clang calls
      // the base destructor where it is an alias of the complete one.
      unsigned group = unsigned(temporaryArgs.size() / 4);
      addFunctions(*functions, fn.getLocation(), temporaryArgs);
      for (CXXDtorType variant : {Dtor_Complete, Dtor_Base}) {
        if (!temporaries.empty())
          temporaries += ',';
        temporaries += codecs_.mangle(GlobalDecl(dtor, variant)) + ":" + std::to_string(group);
      }
    }
  }
  if (std::find(temporaryArgs.begin(), temporaryArgs.end(), nullptr) != temporaryArgs.end()) {
    temporaryArgs.clear();
    temporaries.clear();
  }
  std::string rtti;
  {
    llvm::raw_string_ostream stream(rtti);
    std::unique_ptr<MangleContext> mangler(context.createMangleContext());
    mangler->mangleCXXRTTIName(fn.getReturnType().getCanonicalType().getUnqualifiedType(), stream);
  }
  llvm::StringRef returnType(rtti);
  returnType.consume_front("_ZTS");
  fn.addAttr(AnnotateAttr::CreateImplicit(
      context,
      annotation::format(annotation::kFunctionTag, {{"name", displayName(fn)},
                                                    {"ret", returnType.str()},
                                                    {"callees", callees},
                                                    {"vcalls", virtualCalls},
                                                    {"temps", temporaries},
                                                    {"this", thisType(fn)}}),
      temporaryArgs.data(), unsigned(temporaryArgs.size()), fn.getSourceRange()));
}

} // namespace ppp2p::plugin
