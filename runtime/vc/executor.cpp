#include "executor.hpp"

#include "executor_generated.h"
#include "frame_socket.hpp"
#include "peer_connection.hpp"
#include "vt_context.hpp"

#include "../function_registry.hpp"

#include <ppp2p/detail/capture_session.hpp>
#include <ppp2p/detail/vt_entry.hpp>

#include <cxxabi.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <typeinfo>
#include <vector>

namespace ppp2p::detail {
namespace {

namespace wire = ppp2p::wire::executor;

std::string demangle(const char* name) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> text(abi::__cxa_demangle(name, nullptr, nullptr, &status),
                                              std::free);
  return status == 0 && text ? text.get() : name;
}

std::span<const std::byte> bytes_of(flatbuffers::FlatBufferBuilder& builder) {
  return {reinterpret_cast<const std::byte*>(builder.GetBufferPointer()), builder.GetSize()};
}

struct Job {
  VtNumber vt;
  std::uint64_t entry;
  std::uint64_t function;
  std::vector<std::byte> args;
};

class Executor {
public:
  Executor(int fd, unsigned slots) : link_(fd), slots_(slots) {}

  int run() {
    send_started();
    for (unsigned i = 0; i < slots_; ++i)
      std::thread([this] { work(); }).detach();
    while (std::optional<std::vector<std::byte>> frame = link_.receive()) {
      flatbuffers::Verifier verifier(reinterpret_cast<const std::uint8_t*>(frame->data()),
                                     frame->size());
      if (!verifier.VerifyBuffer<wire::ToExecutor>(nullptr))
        break; // a peer that sends garbage is not a peer
      const wire::ToExecutor* message = flatbuffers::GetRoot<wire::ToExecutor>(frame->data());
      if (const wire::Run* run = message->command_as_Run())
        accept(*run);
      else if (const wire::Cancel* cancel = message->command_as_Cancel())
        cancel_vt(cancel->vt());
      else if (message->command_as_Shutdown())
        break;
    }
    // The peer is gone or done: nothing that still runs can report anywhere.
    std::_Exit(0);
  }

private:
  void send_started() {
    flatbuffers::FlatBufferBuilder builder;
    auto started = wire::CreateStarted(builder, int(getpid()), slots_);
    builder.Finish(wire::CreateFromExecutor(builder, wire::Event::Started, started.Union()));
    link_.send(bytes_of(builder));
  }

  void send_failure(VtNumber vt, wire::FailureKind kind, const std::string& type,
                    const std::string& what) {
    flatbuffers::FlatBufferBuilder builder;
    auto failure = wire::CreateFailure(builder, vt, kind, builder.CreateString(type),
                                       builder.CreateString(what));
    builder.Finish(wire::CreateFromExecutor(builder, wire::Event::Failure, failure.Union()));
    link_.send(bytes_of(builder));
  }

  void send_bytes(wire::Event kind, VtNumber vt, const char* type,
                  const std::vector<std::byte>& bytes) {
    flatbuffers::FlatBufferBuilder builder(bytes.size() + 128);
    auto value =
        builder.CreateVector(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
    flatbuffers::Offset<void> event;
    if (kind == wire::Event::Result)
      event = wire::CreateResult(builder, vt, value).Union();
    else
      event = wire::CreatePartial(builder, vt, builder.CreateString(type), value).Union();
    builder.Finish(wire::CreateFromExecutor(builder, kind, event));
    link_.send(bytes_of(builder));
  }

  void accept(const wire::Run& run) {
    // Only registered entries and checkpointable functions of this program may be called.
    auto entry = reinterpret_cast<EntryFunction>(module_address(run.entry()));
    const void* function = module_address(run.function());
    if (!is_registered_entry(entry) || !find_function_at(function)) {
      send_failure(run.vt(), wire::FailureKind::refused, "",
                   "the request names no spawnable function of this program (was the module "
                   "built from other sources?)");
      return;
    }
    Job job{run.vt(), run.entry(), run.function(), {}};
    if (run.args())
      job.args.assign(reinterpret_cast<const std::byte*>(run.args()->data()),
                      reinterpret_cast<const std::byte*>(run.args()->data()) + run.args()->size());
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(job));
    ready_.notify_one();
  }

  void cancel_vt(VtNumber vt) {
    std::unique_lock lock(mutex_);
    if (auto running = running_.find(vt); running != running_.end()) {
      running->second->request_cancel();
      return;
    }
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
      if (it->vt == vt) {
        queue_.erase(it);
        lock.unlock();
        send_failure(vt, wire::FailureKind::cancelled, "", "cancelled before it started");
        return;
      }
    }
  }

  void work() {
    for (;;) {
      Job job;
      {
        std::unique_lock lock(mutex_);
        ready_.wait(lock, [&] { return !queue_.empty(); });
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      run_job(job);
    }
  }

  void run_job(const Job& job) {
    VtContext context{job.vt, [&](const char* type, std::vector<std::byte> bytes) {
                        send_bytes(wire::Event::Partial, job.vt, type, bytes);
                      }};
    ScopedVtContext scope(&context);
    CaptureSession session(CaptureMode::never);
    {
      std::lock_guard lock(mutex_);
      running_[job.vt] = &session;
    }
    try {
      auto entry = reinterpret_cast<EntryFunction>(module_address(job.entry));
      std::vector<std::byte> result;
      Writer out(result);
      Reader in(job.args);
      session.enter_root();
      entry(module_address(job.function), in, out);
      forget(job.vt);
      send_bytes(wire::Event::Result, job.vt, "", result);
    } catch (const vt_cancelled&) {
      forget(job.vt);
      send_failure(job.vt, wire::FailureKind::cancelled, "", "cancelled");
    } catch (const std::exception& e) {
      forget(job.vt);
      send_failure(job.vt, wire::FailureKind::exception, demangle(typeid(e).name()), e.what());
    } catch (...) {
      forget(job.vt);
      const std::type_info* type = abi::__cxa_current_exception_type();
      send_failure(job.vt, wire::FailureKind::exception,
                   type ? demangle(type->name()) : "unknown exception",
                   "an exception that is not a std::exception");
    }
  }

  void forget(VtNumber vt) {
    std::lock_guard lock(mutex_);
    running_.erase(vt);
  }

  FrameSocket link_;
  unsigned slots_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<Job> queue_;
  std::map<VtNumber, CaptureSession*> running_;
};

} // namespace

int run_executor(int fd, unsigned slots) {
  Executor executor(fd, slots == 0 ? 1 : slots);
  return executor.run();
}

} // namespace ppp2p::detail
