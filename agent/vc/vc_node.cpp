#include "vc_node.hpp"

namespace ppp2p::agent::vc {

VcNode::VcNode(VcEnvironment env, WorkerConfig worker, DeploymentConfig deployment)
    : env_(env), deployment_cfg_(deployment), worker_(env, worker), hints_(env.clock) {
  env_.messenger.on_message(
      [this](const std::string& from, net::ByteView body) { on_message(from, body); });
  env_.messenger.on_request([this](const std::string& from, net::reliable::Messenger::RequestId id,
                                   net::ByteView body) { on_request(from, id, body); });
  env_.messenger.on_peer_reset(
      [this](const std::string& peer) { on_member_gone(peer, "restarted"); });
}

VcNode::~VcNode() {
  env_.messenger.on_message(nullptr);
  env_.messenger.on_request(nullptr);
  env_.messenger.on_peer_reset(nullptr);
}

VcId VcNode::create(detail::VcRequest request, Deployment::Module module, ClientSink& client) {
  VcId id = 0;
  while (id == 0 || deployments_.count(id))
    id = env_.random.next();
  auto d = std::make_unique<Deployment>(env_, id, std::move(request), module, client, hints_,
                                        deployment_cfg_);
  Deployment& ref = *d;
  deployments_.emplace(id, std::move(d));
  ref.start();
  return id;
}

Deployment* VcNode::deployment(VcId vc) {
  auto it = deployments_.find(vc);
  return it == deployments_.end() ? nullptr : it->second.get();
}

void VcNode::spawn(VcId vc, SpawnRequest request) {
  if (Deployment* d = deployment(vc))
    d->spawn(std::move(request));
}

void VcNode::cancel(VcId vc, VtNumber vt) {
  if (Deployment* d = deployment(vc))
    d->cancel(vt);
}

void VcNode::capture(VcId vc, VtNumber vt) {
  if (Deployment* d = deployment(vc))
    d->capture(vt);
}

void VcNode::to_vt(VcId vc, VtNumber vt, std::vector<std::byte> frame) {
  if (Deployment* d = deployment(vc))
    d->to_vt(vt, std::move(frame));
}

void VcNode::release(VcId vc) {
  auto it = deployments_.find(vc);
  if (it == deployments_.end())
    return;
  it->second->release();
  released_totals_.add(it->second->status());
  deployments_.erase(it);
}

void VcNode::on_member_gone(const std::string& address, const std::string& why) {
  // Copy the ids: a deployment may be released (and erased) by what it reports.
  std::vector<VcId> ids;
  for (auto& [id, d] : deployments_)
    ids.push_back(id);
  for (VcId id : ids)
    if (Deployment* d = deployment(id))
      d->on_member_gone(address, why);
  worker_.on_member_gone(address);
}

void VcNode::on_cluster_changed() {
  std::vector<VcId> ids;
  for (auto& [id, d] : deployments_)
    ids.push_back(id);
  for (VcId id : ids)
    if (Deployment* d = deployment(id))
      d->on_cluster_changed();
}

void VcNode::shutdown(const std::string& reason) {
  for (auto& [id, d] : deployments_) {
    d->release();
    released_totals_.add(d->status());
  }
  deployments_.clear();
  worker_.resign_all(reason);
}

void DeploymentTotals::add(const DeploymentStatus& s) {
  resumed += s.resumed;
  migrated += s.migrated;
  lost += s.lost;
  checkpoint_bytes += s.checkpoint_bytes;
}

DeploymentTotals VcNode::deployment_totals() const {
  DeploymentTotals t = released_totals_;
  for (const auto& [id, d] : deployments_)
    t.add(d->status());
  return t;
}

std::vector<DeploymentStatus> VcNode::deployments() const {
  std::vector<DeploymentStatus> out;
  for (const auto& [id, d] : deployments_)
    out.push_back(d->status());
  return out;
}

void VcNode::on_message(const std::string& from, net::ByteView body) {
  std::string error;
  auto m = decode(body, error);
  if (!m) {
    ++stats_.messages_invalid;
    return;
  }
  if (auto* s = std::get_if<Spawn>(&*m)) {
    worker_.on_spawn(from, std::move(*s));
  } else if (auto* c = std::get_if<Cancel>(&*m)) {
    worker_.on_cancel(from, *c);
  } else if (auto* t = std::get_if<ToVt>(&*m)) {
    worker_.on_vt_message(from, t->vc, t->vt, std::move(*t));
  } else if (auto* p = std::get_if<Capture>(&*m)) {
    worker_.on_vt_message(from, p->vc, p->vt, *p);
  } else if (auto* r = std::get_if<Release>(&*m)) {
    worker_.on_release(from, r->vc);
  } else if (auto* replica = std::get_if<Replica>(&*m)) {
    worker_.on_replica(from, std::move(*replica));
  } else if (auto* k = std::get_if<ReplicaKept>(&*m)) {
    if (Deployment* d = deployment(k->vc))
      d->on_replica_kept(from, k->vt, k->effect);
  } else if (auto* e = std::get_if<Event>(&*m)) {
    if (Deployment* d = deployment(e->vc))
      d->on_event(from, std::move(e->event));
  } else if (auto* g = std::get_if<Resign>(&*m)) {
    if (Deployment* d = deployment(g->vc))
      d->on_resign(from, g->reason);
  } else {
    ++stats_.messages_invalid; // a request or response kind sent as a plain message
  }
}

void VcNode::on_request(const std::string& from, net::reliable::Messenger::RequestId id,
                        net::ByteView body) {
  std::string error;
  auto m = decode(body, error);
  if (auto* r = m ? std::get_if<EnrolRequest>(&*m) : nullptr) {
    worker_.on_enrol(from, id, *r);
  } else if (auto* f = m ? std::get_if<FetchChunk>(&*m) : nullptr) {
    serve_chunk(from, id, *f);
  } else {
    ++stats_.messages_invalid;
  }
}

void VcNode::serve_chunk(const std::string& from, net::reliable::Messenger::RequestId id,
                         const FetchChunk& request) {
  Chunk reply;
  auto size = env_.modules.size_of(request.module);
  if (!size) {
    reply.error = "module " + hex(request.module) + " is not offered here";
  } else if (request.offset >= *size) {
    reply.error = "offset " + std::to_string(request.offset) + " is past the module's end";
  } else {
    std::uint32_t length =
        static_cast<std::uint32_t>(std::min<std::uint64_t>(request.length, *size - request.offset));
    if (!env_.modules.read(request.module, request.offset, length, reply.data, reply.error))
      reply.data.clear();
    else
      ++stats_.chunks_served;
  }
  env_.messenger.respond(from, id, encode(reply));
}

} // namespace ppp2p::agent::vc
