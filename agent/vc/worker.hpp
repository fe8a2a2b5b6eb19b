// WorkerService: the worker side of every virtual computer this agent is enrolled in.
//
// An enrolment request is validated and granted slots from the agent's free slots; the module
// comes from the cache or is fetched (ModuleFetcher) and verified; an executor of the module
// is started with those slots; only then is the enrolment accepted. Spawned VTs queue here and
// go to the executor while it holds fewer than slots + executor_prefetch (the few queued in the
// executor keep it busy while results travel back; they fail with it if it crashes). The
// executor's events go back to the deployer.
// An executor that exits fails the VTs it held (crashed, naming the signal) and is started
// again when there is work; one that cannot start makes the worker resign. A release, or the
// deployer's death, stops everything of that VC.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <unordered_set>
#include <variant>
#include <vector>

#include "module_fetcher.hpp"
#include "vc_env.hpp"

namespace ppp2p::agent::vc {

struct WorkerConfig {
  unsigned slots = 1;                   // the agent's slots
  Millis executor_start_timeout{10000}; // Started must come within this
  unsigned executor_prefetch = 4;       // VTs queued in an executor beyond its slots
  std::size_t max_replica_bytes = std::size_t{1} << 30; // checkpoints kept for other workers' VTs
  // What one deployer may have waiting here per VC (VTs queued for the executor, with their
  // arguments, snapshots and held messages). A deployer sends only as many VTs as there are
  // slots (and a few more), so only a broken or hostile one meets these: its extra VTs are
  // refused, a queued VT whose held messages pass the bytes is failed.
  std::size_t max_queued_vts = 4096;
  std::size_t max_queued_bytes = std::size_t{256} << 20;
  FetcherConfig fetcher;
};

struct EnrolmentStatus {
  std::string deployer;
  VcId vc = 0;
  std::string module;
  std::string state; // fetching, starting, ready
  unsigned slots = 0;
  std::size_t queued = 0;
  std::size_t running = 0;
  int executor_pid = 0;
  std::uint64_t finished = 0;
  std::uint64_t executor_starts = 0;
};

class WorkerService {
public:
  using RequestId = net::reliable::Messenger::RequestId;

  WorkerService(VcEnvironment env, WorkerConfig cfg);
  WorkerService(const WorkerService&) = delete;
  WorkerService& operator=(const WorkerService&) = delete;
  ~WorkerService();

  // From deployers.
  void on_enrol(const std::string& from, RequestId id, const EnrolRequest& request);
  void on_spawn(const std::string& from, Spawn&& spawn);
  void on_cancel(const std::string& from, const Cancel& cancel);
  // A Capture or ToVt for a VT: relayed to its executor, held while the VT is queued here,
  // dropped if it is not here.
  using VtMessage = std::variant<Capture, ToVt>;
  void on_vt_message(const std::string& from, VcId vc, VtNumber vt, VtMessage&& message);
  void on_release(const std::string& from, VcId vc);
  // Keeps (or drops, if empty) a checkpoint of a VT of the deployer's VC, and says so.
  void on_replica(const std::string& from, Replica&& replica);
  // Replicas kept for other workers' VTs, over every enrolment, and their bytes.
  std::size_t replicas_kept() const;
  std::size_t replica_bytes() const noexcept { return replica_bytes_; }
  // The agent at address is gone: its enrolments end.
  void on_member_gone(const std::string& address);
  // This agent leaves: resign from every VC.
  void resign_all(const std::string& reason);
  // Before leaving: asks the executors to capture every VT they run, so that the deployers
  // resume them elsewhere from where they are now rather than from an older checkpoint; calls
  // done() once every capture (or the VT's end) has gone to its deployer, or after `grace`.
  void capture_for_leave(Millis grace, std::function<void()> done);

  unsigned free_slots() const noexcept { return free_; }
  // Called whenever free slots change (to advertise them).
  void on_free_slots_changed(std::function<void(unsigned)> f) { on_slots_ = std::move(f); }
  std::vector<EnrolmentStatus> status() const;
  const ModuleFetcher& fetcher() const noexcept { return fetcher_; }
  // VTs that ended here (result or failure), over every enrolment so far.
  std::uint64_t vts_finished() const noexcept { return vts_finished_; }

private:
  enum class State { fetching, starting, ready };
  struct Enrolment {
    std::string deployer;
    VcId vc = 0;
    ModuleHash module{};
    std::uint64_t module_size = 0;
    bool refetched = false;             // the cached module was damaged and fetched again
    std::uint64_t memory_limit_mib = 0; // the VC's, for its executors; 0: this agent's
    unsigned slots = 0;
    State state = State::fetching;
    std::optional<RequestId> reply_to; // the enrolment request to answer
    std::deque<SpawnRequest> queue;
    std::size_t queued_bytes = 0;                    // of queue and held
    std::map<VtNumber, std::vector<VtMessage>> held; // for queued VTs, in arrival order
    std::unordered_set<VtNumber> running;
    std::unordered_set<VtNumber> blocked; // of the running: waiting, holding no slot
    std::unordered_set<VtNumber> known;   // queued or running
    std::uint64_t executor_id = 0;
    bool executor_ready = false;
    net::membership::TimerId start_timer = 0;
    std::uint64_t finished = 0;
    std::uint64_t executor_starts = 0;
    // Replicas of other workers' VTs: VT -> (effect, snapshot).
    std::map<VtNumber, std::pair<std::uint64_t, std::vector<std::byte>>> replicas;
    std::unique_ptr<Executor> executor; // last: destroyed first
  };
  using Key = std::pair<std::string, VcId>;

  std::shared_ptr<Enrolment> find(const std::string& deployer, VcId vc) const;
  void start_executor(Enrolment& e);
  void on_started(Enrolment& e);
  void on_executor_event(Enrolment& e, VtEvent&& event);
  void on_exited(Enrolment& e, const ExecutorEnd& end);
  void fetch_module(const std::shared_ptr<Enrolment>& e);
  // What a queued VT and a held message count against max_queued_bytes.
  static std::size_t request_bytes(const SpawnRequest& r);
  static std::size_t message_bytes(const VtMessage& m);
  // Drops a queued VT and what was held for it.
  void forget_queued(Enrolment& e, std::deque<SpawnRequest>::iterator q);
  void dispatch(Enrolment& e);
  void send_event(const Enrolment& e, VtEvent&& event);
  void reply(Enrolment& e, bool accepted, const std::string& reason);
  void fail(Enrolment& e, const std::string& reason); // refuse the enrolment
  void resign(Enrolment& e, const std::string& reason);
  void close(Enrolment& e);
  void retire(std::unique_ptr<Executor> executor);
  void set_free(unsigned free);

  VcEnvironment env_;
  WorkerConfig cfg_;
  unsigned free_;
  ModuleFetcher fetcher_;
  std::map<Key, std::shared_ptr<Enrolment>> enrolments_;
  std::size_t replica_bytes_ = 0;                  // over every enrolment
  std::vector<std::unique_ptr<Executor>> retired_; // destroyed from a timer, not in callbacks
  net::membership::TimerId reaper_ = 0;
  std::uint64_t next_executor_ = 1;
  std::uint64_t vts_finished_ = 0;
  std::function<void(unsigned)> on_slots_;
  // capture_for_leave: the VTs whose capture is awaited, and what to call then.
  std::set<std::tuple<std::string, VcId, VtNumber>> leave_captures_;
  std::function<void()> leave_done_;
  net::membership::TimerId leave_timer_ = 0;
  static void pass_to_executor(Executor& executor, const VtMessage& message);
  void leave_capture_settled(const Enrolment& e, VtNumber vt);
  void finish_leave_captures();
};

} // namespace ppp2p::agent::vc
