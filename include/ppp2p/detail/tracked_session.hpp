// Objects reached through pointers, moved once each within one encoding: a raw pointer to a
// class object (a node of a tree or list made with `new`) and the object a unique_ptr or
// shared_ptr owns. Each such object gets an id in the order the encoding meets it; a pointer to
// an object met before is written as its id, so sharing and cycles survive the move and every
// object is built once. Objects reached only through raw pointers are written after the value,
// breadth first (a list of a million nodes must not recurse a million deep), and built on load
// in storage taken like `new T` takes it, so that the program's `delete` matches.
//
// One session spans an encoding or decoding of a whole value: encode(), decode() and a frame
// slot's codec open it (TrackedScope); codecs nested inside share it. A snapshot has one
// session for all its frames (the frame runtime's), so that an object two variables reach
// moves once; each slot's bytes hold the objects it met first.
#pragma once

#include <ppp2p/detail/byte_io.hpp>
#include <ppp2p/detail/heap_regions.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <typeinfo>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace ppp2p::detail {

enum class TrackedMode : std::uint8_t {
  save,
  load,
  check, // decode to validate: no object is built for raw pointers, which load as null
};

/// How a tracked pointer is written: a varint tag, then an id (seen) or a place (constant).
enum class TrackedTag : std::uint8_t {
  null = 0,
  fresh = 1,    // an object met for the first time: its encoding follows the value
  seen = 2,     // the object with this id
  constant = 3, // an object in read-only memory of a loaded module (a const global)
};

/// Who holds an object of the session: raw pointers only (it is written after the value), a
/// smart pointer (it is written where that smart pointer is), or a frame slot (the whole value
/// a slot's codec moves).
enum class TrackedOwner : std::uint8_t { raw, unique, shared, whole };

/// The type-erased codec of a tracked object's class.
struct TrackedCodec {
  std::size_t bytes;
  const std::type_info* type;
  void (*save)(const void* object, Writer& out);
  void (*load)(void* storage, Reader& in); // constructs the object in place
  void (*check)(Reader& in);
};

struct TrackedObject {
  const void* address = nullptr; // null in check mode, and while a polymorphic one is built
  const std::type_info* type = nullptr;
  TrackedOwner owner = TrackedOwner::raw;
  std::shared_ptr<void> shared;                // load: the owners' control block
  const std::type_info* shared_type = nullptr; // the T of the shared_ptr<T> that owns it
};

/// The addresses of the objects a capture's frames moved, while it encodes the root's arguments
/// (which move apart from the frames): an object both reach would be built twice on restore,
/// so it fails the capture instead.
inline thread_local std::unordered_set<const void*>* tracked_in_capture = nullptr;

/// Throws ppp2p::error (capture_failed) naming `type` (runtime/tracked_objects.cpp).
[[noreturn]] void fail_tracked_twice(const std::type_info& type);
/// Storage of an object a failed decoding did not build, left allocated: tells a leak checker
/// that this is deliberate (runtime/tracked_objects.cpp).
void abandon_storage(void* storage) noexcept;

class TrackedObjects {
public:
  explicit TrackedObjects(TrackedMode mode) : mode(mode) {}
  /// A snapshot's session as it was when it had met its first `count` objects (their classes,
  /// and in save and load their addresses): to encode or decode one slot again as the snapshot
  /// did (its heap regions).
  TrackedObjects(TrackedMode mode, const TrackedObjects& from, std::size_t count)
      : mode(mode), per_slot(true), replay(true) {
    objects.assign(from.objects.begin(),
                   from.objects.begin() + std::ptrdiff_t(std::min(count, from.objects.size())));
    if (mode == TrackedMode::save)
      for (std::size_t id = 0; id < objects.size(); ++id)
        if (objects[id].address)
          ids.emplace(objects[id].address, id);
  }
  TrackedObjects(const TrackedObjects&) = delete;
  TrackedObjects& operator=(const TrackedObjects&) = delete;
  ~TrackedObjects() {
    // Decoding failed before these were built. Their storage is zeroed (allocate_storage), and
    // is not freed here: a smart pointer that adopted one may have freed it already.
    if (mode == TrackedMode::load)
      for (std::size_t i = drained; i < pending.size(); ++i)
        abandon_storage(pending[i].object);
  }

  const TrackedMode mode;
  /// The session of a whole snapshot: each frame slot's encoding (a scope directly inside it)
  /// writes the objects it reached at its end, and numbers objects an earlier slot met.
  bool per_slot = false;
  /// Seeded from a snapshot's session, whose objects' owners reflect slots after this one too
  /// (a raw pointer's object a later unique_ptr took): ownership was checked when it was made.
  bool replay = false;
  unsigned depth = 0;                                 // scopes open inside it
  std::unordered_map<const void*, std::uint64_t> ids; // save: address -> id
  std::vector<TrackedObject> objects;                 // by id

  /// Save: a new id for `address`; false (and its id in `id`) if it has one already.
  bool add(const void* address, const std::type_info& type, TrackedOwner owner, std::uint64_t& id) {
    auto [it, fresh] = ids.try_emplace(address, objects.size());
    id = it->second;
    if (!fresh)
      return false;
    if (tracked_in_capture && !tracked_in_capture->insert(address).second)
      fail_tracked_twice(type);
    objects.push_back({address, &type, owner, nullptr, nullptr});
    return true;
  }

  /// Load and check: the next id.
  std::uint64_t add_loaded(void* address, const std::type_info& type, TrackedOwner owner) {
    objects.push_back({address, &type, owner, nullptr, nullptr});
    return objects.size() - 1;
  }

  /// Save: whether it met objects it moves as made with `new` (reached by raw pointers only).
  bool met_raw_objects() const {
    for (const TrackedObject& object : objects)
      if (object.owner == TrackedOwner::raw)
        return true;
    return false;
  }

  /// An object reached only through raw pointers, written or built after the value.
  void defer(void* object, const TrackedCodec& codec) { pending.push_back({object, &codec}); }

  /// Writes the deferred objects, and those they reach, in the order they were met. Each is a
  /// heap region (heap_regions.hpp) that pointers of frames may point into.
  void drain(Writer& out) {
    while (drained < pending.size()) {
      Pending next = pending[drained++]; // a copy: saving it may defer more
      note_heap_region(next.object, next.codec->bytes, /*tracked_object=*/true);
      next.codec->save(next.object, out);
    }
  }

  /// Builds (load) or checks them, in the same order.
  void drain(Reader& in) {
    while (drained < pending.size()) {
      Pending next = pending[drained];
      note_heap_region(next.object, next.codec->bytes, /*tracked_object=*/true);
      if (mode == TrackedMode::check)
        next.codec->check(in);
      else
        next.codec->load(next.object, in);
      ++drained;
    }
  }

private:
  struct Pending {
    void* object; // save: the object; load: its storage; check: null
    const TrackedCodec* codec;
  };
  std::vector<Pending> pending;
  std::size_t drained = 0;
};

/// The session of the encoding or decoding in progress on this thread, if any.
inline thread_local TrackedObjects* tracked_objects = nullptr;

/// The session of this thread; throws std::logic_error outside encode(), decode() and the
/// frame runtime's codecs (runtime/tracked_objects.cpp).
TrackedObjects& current_tracked_objects();

/// What a smart pointer's codec loaded (polymorphic_owners.hpp): the object (built with `new`,
/// or met before) and its id.
template <class T> struct Owned {
  T* object = nullptr;
  std::uint64_t id = 0;
  bool met_before = false; // the caller shares or adopts it
};

/// Opens a session unless one is open; finish() drains it: the outermost scope's, or in a
/// snapshot's session a scope directly inside it (a frame slot's codec).
class TrackedScope {
public:
  explicit TrackedScope(TrackedMode mode) {
    if (!tracked_objects) {
      tracked_objects = &session_.emplace(mode);
    } else {
      outer_ = tracked_objects;
      ++outer_->depth;
    }
  }
  ~TrackedScope() {
    if (session_)
      tracked_objects = nullptr;
    else
      --outer_->depth;
  }
  TrackedScope(const TrackedScope&) = delete;
  TrackedScope& operator=(const TrackedScope&) = delete;

  /// The whole object a frame slot's codec moves, as the next object of the session, so that
  /// raw pointers inside it back to it (a child's parent) move too; on load, where it will be
  /// built (null in a check). Nothing when this scope is nested in a value.
  void track_whole(const void* object, const std::type_info& type) {
    TrackedObjects* session = slot_session();
    if (!session)
      return;
    if (session->mode == TrackedMode::save) {
      std::uint64_t id = 0;
      session->add(object, type, TrackedOwner::whole, id);
    } else {
      session->add_loaded(session->mode == TrackedMode::load ? const_cast<void*>(object) : nullptr,
                          type, TrackedOwner::whole);
    }
  }

  template <class Stream> void finish(Stream& stream) {
    if (TrackedObjects* session = slot_session())
      session->drain(stream);
  }

  /// The session this scope opened, if it is the outermost one.
  const TrackedObjects* own_session() const { return session_ ? &*session_ : nullptr; }

private:
  TrackedObjects* slot_session() {
    if (session_)
      return &*session_;
    return outer_->per_slot && outer_->depth == 1 ? outer_ : nullptr;
  }

  std::optional<TrackedObjects> session_;
  TrackedObjects* outer_ = nullptr;
};

/// Fails the encoding, naming the class, if an object of `session` that it moves as made with
/// `new` lies inside one of `regions` that is not that object's own: an element of a container,
/// a member of another object; moved on its own, it would not be part of that any more after
/// a resume. `regions` are all the regions the session's encoding met (it may sort them).
void check_raw_objects(const TrackedObjects& session, std::vector<HeapRegion>& regions);

/// Makes `session` (and `capture`) this thread's while it lives, then restores the previous.
class UseTrackedObjects {
public:
  explicit UseTrackedObjects(TrackedObjects* session,
                             std::unordered_set<const void*>* capture = nullptr)
      : saved_(std::exchange(tracked_objects, session)),
        saved_capture_(std::exchange(tracked_in_capture, capture)) {}
  ~UseTrackedObjects() {
    tracked_objects = saved_;
    tracked_in_capture = saved_capture_;
  }
  UseTrackedObjects(const UseTrackedObjects&) = delete;
  UseTrackedObjects& operator=(const UseTrackedObjects&) = delete;

private:
  TrackedObjects* saved_;
  std::unordered_set<const void*>* saved_capture_;
};

/// Encodes once more what `save(Writer&)` encodes, in a session of its own that logs every
/// heap region, and checks its objects made with `new` (check_raw_objects). encode() does it
/// when the value reached such objects.
template <class Save> void check_raw_objects_of(Save&& save) {
  std::vector<std::byte> scratch;
  Writer out(scratch);
  UseTrackedObjects fresh(nullptr); // a session of its own; not part of a capture's set
  LogHeapRegions log;
  TrackedScope tracked(TrackedMode::save);
  save(out);
  tracked.finish(out);
  if (const TrackedObjects* session = tracked.own_session())
    check_raw_objects(*session, log.regions);
}

} // namespace ppp2p::detail
