//===- TypeClassifier.cpp -------------------------------------------------===//

#include "TypeClassifier.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclTemplate.h"
#include "clang/AST/RecordLayout.h"
#include "llvm/ADT/StringSwitch.h"

using namespace clang;

namespace ppp2p::plugin {
namespace {

Classification refused(std::string reason, std::string hint) {
  return {Movability::Refused, std::move(reason), std::move(hint)};
}

const Classification kRaw{Movability::Raw, "", ""};
const Classification kCodec{Movability::Codec, "", ""};

/// Combines a part's classification into its whole's: refusal wins, then codec.
Classification combine(Classification whole, const Classification& part, const std::string& where) {
  if (whole.movability == Movability::Refused)
    return whole;
  if (part.movability == Movability::Refused)
    return refused(where + part.reason, part.hint);
  if (part.movability == Movability::Codec)
    whole.movability = Movability::Codec;
  whole.pointers |= part.pointers;
  return whole;
}

bool isStdTemplate(const TemplateArgument& arg, llvm::StringRef name) {
  if (arg.getKind() != TemplateArgument::Type)
    return false;
  const auto* record = arg.getAsType()->getAsCXXRecordDecl();
  if (!record || !record->isInStdNamespace())
    return false;
  return record->getName() == name;
}

} // namespace

bool TypeClassifier::hasUserCodec(QualType type) const {
  if (!userCodec_)
    return false;
  for (const ClassTemplateSpecializationDecl* spec : userCodec_->specializations())
    if (spec->isExplicitSpecialization() && spec->getTemplateArgs().size() == 1 &&
        context_.hasSameType(spec->getTemplateArgs()[0].getAsType(), type))
      return true;
  return partialUserCodec_ && partialUserCodec_(type);
}

Classification TypeClassifier::classify(QualType type) {
  QualType canonical = type.getCanonicalType().getUnqualifiedType();
  const Type* key = canonical.getTypePtr();
  if (auto it = cache_.find(key); it != cache_.end())
    return it->second;
  // A recursive type (a node holding a vector of nodes) is movable if the rest of it is.
  cache_[key] = kCodec;
  Classification result;

  if (hasUserCodec(canonical)) {
    result = kCodec;
  } else if (canonical->isReferenceType()) {
    result = refused("references refer to memory of this process",
                     "copy the value into a local variable of non-reference type");
  } else if (trackablePointee(canonical)) {
    // Moves the objects it reaches, each once (tracked_pointers.hpp).
    result = combine(kCodec, classify(canonical->getPointeeType()), "the class it points to: ");
    result.pointers = true;
  } else if (canonical->isPointerType() || canonical->isMemberPointerType() ||
             canonical->isBlockPointerType() || canonical->isNullPtrType()) {
    result = refused("raw pointers hold addresses of this process",
                     "keep the pointee by value (or in a std::unique_ptr), or store an index; "
                     "only raw pointers to objects of your own classes move (with the objects "
                     "they reach)");
  } else if (canonical->isVariableArrayType() || canonical->isIncompleteArrayType()) {
    result =
        refused("variable-length arrays cannot be laid out in a frame record", "use a std::vector");
  } else if (const auto* array = context_.getAsConstantArrayType(canonical)) {
    result = combine(kRaw, classify(array->getElementType()), "its elements: ");
  } else if (canonical->isArithmeticType() || canonical->isEnumeralType()) {
    result = kRaw;
  } else if (const auto* record = canonical->getAsCXXRecordDecl()) {
    result = classifyRecord(record, canonical);
  } else {
    result = refused("values of this kind of type cannot be encoded", "use a value type");
  }
  cache_[key] = result;
  return result;
}

/// Declared in namespace std, __gnu_cxx or one nested in them (std::__detail).
static bool inStandardLibrary(const Decl* decl) {
  for (const DeclContext* context = decl->getDeclContext(); context; context = context->getParent())
    if (const auto* ns = dyn_cast<NamespaceDecl>(context))
      if (ns->getIdentifier() && (ns->getName() == "std" || ns->getName() == "__gnu_cxx") &&
          isa<TranslationUnitDecl>(ns->getParent()))
        return true;
  return false;
}

const CXXRecordDecl* TypeClassifier::trackablePointee(QualType pointer) {
  if (!pointer->isPointerType())
    return nullptr;
  const auto* record = pointer->getPointeeType()->getAsCXXRecordDecl();
  if (!record || !record->hasDefinition())
    return nullptr;
  record = record->getDefinition();
  // Pointers to standard objects usually point into another container, and process
  // resources (FILE, streams, mutexes) cannot move at all.
  if (inStandardLibrary(record) || record->isUnion() || record->isAbstract() ||
      record->isLambda() || (record->getIdentifier() && record->getName() == "_IO_FILE") ||
      classifyProcessResource(record))
    return nullptr;
  return record;
}

Classification TypeClassifier::classifyVariable(QualType type) {
  Classification c = classify(type);
  if (c.movability == Movability::Refused && c.fieldwise) {
    c.movability = Movability::Codec;
    c.reason.clear();
    c.hint.clear();
  }
  return c;
}

/// Iterators of contiguous standard containers (vector, string), which are one pointer: they
/// move as relocated pointers.
static bool isContiguousIterator(QualType type) {
  const auto* spec = dyn_cast_or_null<ClassTemplateSpecializationDecl>(type->getAsCXXRecordDecl());
  if (!spec || !spec->getIdentifier() || spec->getTemplateArgs().size() < 1 ||
      spec->getTemplateArgs()[0].getKind() != TemplateArgument::Type)
    return false;
  const DeclContext* context = spec->getDeclContext()->getEnclosingNamespaceContext();
  const auto* ns = dyn_cast<NamespaceDecl>(context);
  if (spec->getName() == "__normal_iterator" && ns && ns->getName() == "__gnu_cxx")
    return spec->getTemplateArgs()[0].getAsType()->isPointerType();
  if (spec->getName() == "reverse_iterator" && spec->isInStdNamespace()) {
    QualType base = spec->getTemplateArgs()[0].getAsType().getCanonicalType();
    return base->isPointerType() || isContiguousIterator(base);
  }
  return false;
}

/// libstdc++'s iterators of node containers (list, forward_list, map, set, their unordered and
/// multi- variants), and reverse iterators of them: one pointer to a node, which the codecs
/// report as a heap region of the container (heap_regions.hpp, element_region), or to the
/// container's own header (end()).
static bool isNodeIterator(ASTContext& context, QualType type) {
  const auto* record = type->getAsCXXRecordDecl();
  if (!record || !record->getIdentifier() || !record->hasDefinition())
    return false;
  llvm::StringRef name = record->getName();
  if (name == "_Node_iterator" || name == "_Node_const_iterator") {
    // An unordered container's (std::__detail), whose base holds the node, _M_cur.
    const auto* ns = dyn_cast<NamespaceDecl>(record->getDeclContext());
    return ns && ns->getName() == "__detail" && ns->getParent()->isStdNamespace() &&
           context.getTypeSize(type) == context.getTypeSize(context.VoidPtrTy);
  }
  if (!record->isInStdNamespace())
    return false;
  if (name == "reverse_iterator") {
    const auto* spec = dyn_cast<ClassTemplateSpecializationDecl>(record);
    return spec && spec->getTemplateArgs().size() >= 1 &&
           spec->getTemplateArgs()[0].getKind() == TemplateArgument::Type &&
           isNodeIterator(context, spec->getTemplateArgs()[0].getAsType().getCanonicalType()) &&
           context.getTypeSize(type) == context.getTypeSize(context.VoidPtrTy);
  }
  if (name != "_Rb_tree_iterator" && name != "_Rb_tree_const_iterator" &&
      name != "_List_iterator" && name != "_List_const_iterator" && name != "_Fwd_list_iterator" &&
      name != "_Fwd_list_const_iterator")
    return false;
  // The layout this expects: the node pointer alone.
  const CXXRecordDecl* definition = record->getDefinition();
  auto fields = definition->fields();
  return definition->getNumBases() == 0 && std::distance(fields.begin(), fields.end()) == 1 &&
         (*fields.begin())->getType()->isPointerType() &&
         context.getTypeSize(type) == context.getTypeSize(context.VoidPtrTy);
}

/// std::string_view and std::span: a pointer and a length. Returns the pointer's offset.
static std::optional<unsigned> viewPointerOffset(ASTContext& context, QualType type) {
  const auto* record = type->getAsCXXRecordDecl();
  if (!record || !record->isInStdNamespace() || !record->getIdentifier() ||
      !record->hasDefinition() ||
      (record->getName() != "basic_string_view" && record->getName() != "span"))
    return std::nullopt;
  const ASTRecordLayout& layout = context.getASTRecordLayout(record->getDefinition());
  std::optional<unsigned> offset;
  for (const FieldDecl* field : record->getDefinition()->fields()) {
    if (!field->getType()->isPointerType())
      continue;
    if (offset)
      return std::nullopt; // not the layout this expects
    offset = unsigned(
        context.toCharUnitsFromBits(layout.getFieldOffset(field->getFieldIndex())).getQuantity());
  }
  return offset;
}

std::optional<Classification> TypeClassifier::classifyPointerVariable(QualType type,
                                                                      unsigned* pointerOffset) {
  QualType canonical = type.getCanonicalType();
  if (pointerOffset)
    *pointerOffset = 0;
  if (isContiguousIterator(canonical) || isNodeIterator(context_, canonical))
    return kRaw;
  if (std::optional<unsigned> offset = viewPointerOffset(context_, canonical)) {
    if (pointerOffset)
      *pointerOffset = *offset;
    return kRaw;
  }
  if (!canonical->isReferenceType() && !canonical->isPointerType())
    return std::nullopt;
  QualType pointee = canonical->getPointeeType().getCanonicalType();
  if (const auto* record = pointee->getAsCXXRecordDecl()) {
    if (std::optional<Classification> resource = classifyProcessResource(record))
      return resource;
    if (record->getIdentifier() && record->getName() == "_IO_FILE")
      return refused("a FILE is a stream of this process",
                     "keep what reopens it (a path, a position from ftell()) in locals and "
                     "reopen it when ppp2p::checkpoint() returns true (the first return after a "
                     "resume)");
  }
  return kRaw; // relocated at capture (SlotKind::pointer)
}

Classification TypeClassifier::classifyRecord(const CXXRecordDecl* record, QualType type) {
  if (!record->hasDefinition())
    return refused("the type is incomplete here", "include its definition");
  record = record->getDefinition();
  if (record->isUnion())
    return refused("unions cannot be encoded: which member is active is unknown",
                   "use std::variant");

  for (const Decl* member : record->decls())
    if (const auto* named = dyn_cast<NamedDecl>(member))
      if (named->getIdentifier() && named->getName() == "serialize" &&
          (isa<FunctionTemplateDecl>(named) || isa<CXXMethodDecl>(named)))
        return kCodec;

  if (record->isInStdNamespace() && record->getIdentifier()) {
    if (std::optional<Classification> known = classifyStd(record, record->getName()))
      return *known;
  }
  // Not one relocated as a pointer (a variable): inside another value, an iterator of any
  // standard container (std::, std::__detail::, __gnu_cxx::) is an address into it.
  if (inStandardLibrary(record) && record->getIdentifier() &&
      record->getName().contains_insensitive("iterator"))
    return refused("an iterator holds an address inside its container",
                   "keep an index or a key instead (a range-for loop's own iterators do "
                   "move)");

  if (std::optional<Classification> resource = classifyProcessResource(record))
    return *resource;

  bool copyable = false;
  for (const CXXConstructorDecl* constructor : record->ctors())
    if ((constructor->isCopyConstructor() || constructor->isMoveConstructor()) &&
        !constructor->isDeleted())
      copyable = true;
  if (record->needsImplicitCopyConstructor() || record->needsImplicitMoveConstructor())
    copyable = true;
  if (!copyable)
    return refused("'" + type.getAsString(context_.getPrintingPolicy()) +
                       "' has no codec: it can be neither copied nor moved",
                   "give it a member `template <class Ar> void serialize(Ar& ar) { "
                   "ar(fields...); }`, or specialise ppp2p::codec for it");
  if (type.isTriviallyCopyableType(context_)) {
    Classification fields = classifyFields(record, /*aggregate=*/false);
    if (fields.movability == Movability::Refused) {
      if (record->getIdentifier() && record->getName().contains_insensitive("iterator"))
        return refused("an iterator holds an address inside its container",
                       "keep an index or a key instead (a range-for loop's own iterators do "
                       "move)");
      return fields;
    }
    if (!fields.pointers)
      return kRaw;
    // Raw pointers to class objects inside: not its bytes. The header finds them in an
    // aggregate (aggregate_holds_pointers); in another class only the layout shows them.
    if (record->isAggregate())
      return classifyFields(record, /*aggregate=*/true);
    Classification out = refused(
        "'" + type.getAsString(context_.getPrintingPolicy()) +
            "' is trivially copyable and holds raw pointers in fields C++ cannot name, so "
            "ppp2p::codec would copy its bytes, addresses included",
        "make it an aggregate (public fields, no constructors), give it a serialize() member, "
        "or hold it in a variable (a frame moves it field by field)");
    out.fieldwise = true; // movable as a variable, by a codec built from its layout
    return out;
  }
  if (record->isLambda()) {
    Classification fields = classifyFields(record, /*aggregate=*/false);
    if (fields.movability == Movability::Refused)
      return fields;
    Classification out = kCodec;
    out.fieldwise = true;
    return out;
  }
  if (record->isAggregate()) {
    Classification fields = classifyFields(record, /*aggregate=*/true);
    if (fields.movability == Movability::Refused)
      return fields;
    return kCodec;
  }
  // Any other class moves when its fields and bases can, private ones included, with no default
  // constructor needed: a codec built from its layout constructs each field in place (for a
  // variable directly, elsewhere through class_fields_codec<T>: ClassCodecDefiner); a
  // polymorphic class's vtable pointers are fields too (vtable_pointer). Not a class with
  // virtual bases, whose layout depends on the most derived class.
  if (record->getNumVBases() == 0 && !record->isInStdNamespace()) {
    for (const FieldDecl* field : record->fields())
      if (field->isBitField() || field->isAnonymousStructOrUnion())
        return refused("field '" + field->getNameAsString() +
                           "': bit-fields and anonymous members cannot be moved field by field",
                       "give the type a serialize() member");
    Classification fields = classifyFields(record, /*aggregate=*/false);
    if (fields.movability == Movability::Refused)
      return fields;
    Classification out = kCodec;
    out.fieldwise = true;
    return out;
  }
  if (record->getNumVBases() > 0)
    return refused("'" + type.getAsString(context_.getPrintingPolicy()) +
                       "' has virtual base classes, whose place in an object depends on its most "
                       "derived class, so it moves only with a codec of its own",
                   "give it a member `template <class Ar> void serialize(Ar& ar) { "
                   "ar(fields...); }` (and a default constructor), or specialise ppp2p::codec");
  return refused("'" + type.getAsString(context_.getPrintingPolicy()) +
                     "' has no codec: it is neither trivially copyable without pointers, nor "
                     "an aggregate, nor a supported standard type",
                 "give it a member `template <class Ar> void serialize(Ar& ar) { ar(fields...); "
                 "}`, or specialise ppp2p::codec for it");
}

namespace {

/// Whether `record` is, or derives from, the standard class `name`.
bool isOrDerivesFromStd(const CXXRecordDecl* record, llvm::StringRef name) {
  auto matches = [&](const CXXRecordDecl* r) {
    return r->isInStdNamespace() && r->getIdentifier() && r->getName() == name;
  };
  if (matches(record))
    return true;
  if (!record->hasDefinition())
    return false;
  return !record->forallBases([&](const CXXRecordDecl* base) { return !matches(base); });
}

} // namespace

std::optional<Classification> TypeClassifier::classifyProcessResource(const CXXRecordDecl* record) {
  // Streams: a serialize() member would not help, the file or buffer is this process's.
  if (isOrDerivesFromStd(record, "ios_base"))
    return refused("a stream is tied to a file or buffer of this process",
                   "keep what reopens it (a path, a position from tellg()/tellp()) in locals "
                   "and reopen it when ppp2p::checkpoint() returns true (the first return after "
                   "a resume); for a string stream, keep its str()");
  for (llvm::StringRef name : {"thread", "jthread"})
    if (isOrDerivesFromStd(record, name))
      return refused("a thread runs in this process only",
                     "join it before the site, or spawn a virtual thread instead");
  for (llvm::StringRef name : {"mutex", "recursive_mutex", "timed_mutex", "recursive_timed_mutex",
                               "shared_mutex", "shared_timed_mutex", "condition_variable",
                               "condition_variable_any", "counting_semaphore", "latch", "barrier"})
    if (isOrDerivesFromStd(record, name))
      return refused("a synchronisation object belongs to the threads of this process",
                     "keep it outside checkpointable functions (a virtual thread's state is its "
                     "own), or use ppp2p::global<T>'s update() for state the VTs share");
  return std::nullopt;
}

std::optional<Classification> TypeClassifier::classifyStd(const CXXRecordDecl* record,
                                                          llvm::StringRef name) {
  const auto* spec = dyn_cast<ClassTemplateSpecializationDecl>(record);
  enum Shape {
    Unknown,
    Refuse,
    Elements,
    Adapter,
    PriorityQueue,
    Set,
    UnorderedSet,
    Map,
    UnorderedMap,
    String,
    All
  };
  Shape shape = llvm::StringSwitch<Shape>(name)
                    .Cases("vector", "deque", "list", "forward_list", "array", Elements)
                    .Cases("optional", "unique_ptr", "shared_ptr", "valarray", Elements)
                    .Cases("stack", "queue", Adapter)
                    .Case("priority_queue", PriorityQueue)
                    .Cases("set", "multiset", Set)
                    .Cases("unordered_set", "unordered_multiset", UnorderedSet)
                    .Cases("map", "multimap", Map)
                    .Cases("unordered_map", "unordered_multimap", UnorderedMap)
                    .Case("basic_string", String)
                    .Cases("pair", "tuple", "variant", All)
                    .Cases("basic_string_view", "span", "function", "move_only_function",
                           "reference_wrapper", Refuse)
                    .Default(Unknown);
  if (shape == Unknown || !spec)
    return std::nullopt;
  std::string display = "std::" + name.str();
  if (shape == Refuse) {
    if (name == "basic_string_view")
      return refused("std::string_view points into memory of this process", "use std::string");
    if (name == "span")
      return refused("std::span points into memory of this process", "use std::vector");
    return refused(display + " holds addresses of code and data of this process",
                   "store the data the callable needs and call a named function");
  }
  const TemplateArgumentList& args = spec->getTemplateArgs();
  Classification result = kCodec;
  auto element = [&](unsigned index, const char* role) {
    if (index < args.size() && args[index].getKind() == TemplateArgument::Type)
      result = combine(result, classify(args[index].getAsType()), display + " " + role + ": ");
  };
  // A priority_queue's comparator is rebuilt if stateless, else moved by its own codec (a
  // lambda's or a class's field by field); a function pointer cannot move.
  auto comparator = [&](unsigned index) {
    if (index >= args.size() || args[index].getKind() != TemplateArgument::Type)
      return;
    QualType compare = args[index].getAsType().getCanonicalType();
    if (compare->isPointerType() || compare->isMemberPointerType())
      result = refused(display + " with a function-pointer comparator cannot be encoded: the "
                                 "address belongs to this process",
                       "use a comparator class such as std::greater<>, or a lambda");
    else
      element(index, "comparator");
  };
  auto requireStd = [&](unsigned index, llvm::StringRef expected) {
    if (index < args.size() && !isStdTemplate(args[index], expected))
      result = refused(display + " with a custom " + expected.str() + " cannot be encoded",
                       "use the default std::" + expected.str());
  };
  switch (shape) {
  case Elements:
    element(0, "element");
    if (name == "unique_ptr")
      requireStd(1, "default_delete");
    else if (name != "array" && name != "optional" && name != "shared_ptr" && name != "valarray")
      requireStd(1, "allocator");
    break;
  case Adapter: // moved as the underlying container, which is classified in turn
    element(0, "element");
    element(1, "container");
    break;
  case PriorityQueue:
    element(0, "element");
    element(1, "container");
    comparator(2);
    break;
  case Set:
    element(0, "element");
    requireStd(1, "less");
    requireStd(2, "allocator");
    break;
  case UnorderedSet:
    element(0, "element");
    requireStd(1, "hash");
    requireStd(2, "equal_to");
    break;
  case Map:
    element(0, "key");
    element(1, "value");
    requireStd(2, "less");
    break;
  case UnorderedMap:
    element(0, "key");
    element(1, "value");
    requireStd(2, "hash");
    requireStd(3, "equal_to");
    break;
  case String:
    break;
  case All:
    for (const TemplateArgument& arg : args.asArray()) {
      if (arg.getKind() == TemplateArgument::Type) {
        result = combine(result, classify(arg.getAsType()), display + " element: ");
      } else if (arg.getKind() == TemplateArgument::Pack) {
        for (const TemplateArgument& packed : arg.pack_elements())
          if (packed.getKind() == TemplateArgument::Type)
            result = combine(result, classify(packed.getAsType()), display + " element: ");
      }
    }
    break;
  default:
    break;
  }
  return result;
}

Classification TypeClassifier::classifyFields(const CXXRecordDecl* record, bool aggregate) {
  Classification result = aggregate ? kCodec : kRaw;
  // Aggregates whose layout the header's field-by-field codec cannot take apart (base classes,
  // C arrays, more than 32 fields) can still move as a variable: the plugin then builds a codec
  // from the record layout. Inside containers they cannot.
  std::string layoutLimit;
  for (const CXXBaseSpecifier& base : record->bases()) {
    if (aggregate && base.isVirtual())
      return refused("aggregates with virtual bases cannot be encoded field by field",
                     "give the type a serialize() member");
    if (aggregate && layoutLimit.empty())
      layoutLimit = "its base classes";
    Classification part = classify(base.getType());
    if (part.movability == Movability::Refused && part.fieldwise && !record->isLambda())
      continue; // a class the layout codec takes apart too (its fields are flattened)
    result = combine(result, part, "a base class: ");
    if (result.movability == Movability::Refused)
      return result;
  }
  unsigned count = 0;
  for (const FieldDecl* field : record->fields()) {
    ++count;
    std::string where = "field '" + field->getNameAsString() + "': ";
    if (field->isUnnamedBitField())
      continue;
    if (aggregate) {
      if (field->isBitField())
        return refused(where + "bit-fields cannot be encoded field by field",
                       "give the type a serialize() member");
      if (field->isAnonymousStructOrUnion())
        return refused(where + "anonymous members cannot be encoded field by field",
                       "name the member, or give the type a serialize() member");
      if (field->getType()->isArrayType() && layoutLimit.empty())
        layoutLimit = "its C-array member '" + field->getNameAsString() + "'";
    }
    if (record->isLambda() && field->getType()->isReferenceType())
      return refused("the lambda captures a variable by reference",
                     "capture by value ([=] or [x]) instead of by reference");
    Classification part = classify(field->getType());
    if (part.movability == Movability::Refused && part.fieldwise && !record->isLambda() &&
        !field->getType()->isArrayType()) {
      // A nested aggregate the layout codec can take apart too.
      if (layoutLimit.empty())
        layoutLimit = "its member '" + field->getNameAsString() + "'";
      continue;
    }
    result = combine(result, part, where);
    if (result.movability == Movability::Refused)
      return result;
  }
  if (aggregate && count > 32 && layoutLimit.empty())
    layoutLimit = "its " + std::to_string(count) + " fields";
  if (!layoutLimit.empty()) {
    Classification out = refused("this aggregate cannot be encoded field by field inside a "
                                 "container because of " +
                                     layoutLimit,
                                 "give the type a serialize() member");
    out.fieldwise = true; // movable as a variable, by a codec built from its layout
    return out;
  }
  return result;
}

} // namespace ppp2p::plugin
