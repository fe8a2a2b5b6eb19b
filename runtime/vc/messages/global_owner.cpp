#include "vc/messages/global_owner.hpp"

#include "demangle.hpp"

#include <ppp2p/errors.hpp>

#include <utility>

namespace ppp2p::detail {

std::vector<GlobalOutcome> GlobalOwner::request(const std::string& name, GlobalRequest request) {
  std::vector<GlobalOutcome> applied;
  Global& global = globals_[name];
  if (global.holder || !global.queue.empty())
    global.queue.push_back(std::move(request));
  else
    applied.push_back(apply(global, name, std::move(request)));
  return applied;
}

bool GlobalOwner::release(const std::string& name, VtId who, std::uint64_t effect,
                          const Bytes* value, std::vector<GlobalOutcome>& applied) {
  auto it = globals_.find(name);
  if (it == globals_.end() || !it->second.holder || it->second.holder->who != who ||
      it->second.holder->effect != effect)
    return false;
  Global& global = it->second;
  if (value)
    global.value = {true, *value};
  global.holder.reset();
  drain(global, name, applied);
  return true;
}

GlobalOwner::Dropped GlobalOwner::drop(VtId who) {
  Dropped out;
  for (auto& [name, global] : globals_) {
    std::erase_if(global.queue, [&](const GlobalRequest& r) { return r.who == who; });
    if (global.holder && global.holder->who == who) {
      out.undone.push_back(global.holder->effect);
      global.holder.reset();
      drain(global, name, out.applied);
    }
  }
  return out;
}

GlobalOutcome GlobalOwner::apply(Global& global, const std::string& name, GlobalRequest request) {
  ++operations_;
  GlobalOutcome out;
  out.name = name;
  if (!global.type.empty() && global.type != request.type) {
    out.error = "global '" + name + "' holds a " + demangle(global.type.c_str()) + ", not a " +
                demangle(request.type.c_str());
    out.code = int(errc::type_mismatch);
  } else {
    global.type = request.type;
    if (request.op == GlobalOpKind::write)
      global.value = std::move(request.value);
    else
      out.value = global.value; // what a read returns, or what an update sees
    if (request.op == GlobalOpKind::acquire)
      global.holder = request;
  }
  out.request = std::move(request);
  return out;
}

void GlobalOwner::drain(Global& global, const std::string& name,
                        std::vector<GlobalOutcome>& applied) {
  while (!global.holder && !global.queue.empty()) {
    GlobalRequest next = std::move(global.queue.front());
    global.queue.pop_front();
    applied.push_back(apply(global, name, std::move(next)));
  }
}

} // namespace ppp2p::detail
