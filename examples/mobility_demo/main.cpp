// demo-mobility: strong mobility in one picture. A genetic algorithm runs in a worker process
// that captures its state at every generation; the worker is killed with SIGKILL halfway; a
// fresh process resumes the last snapshot and finishes. The result is compared, byte for byte,
// with an uninterrupted run.
#include "tsp.hpp"

#include <ppp2p/detail/capture_session.hpp>
#include <ppp2p/ppp2p.hpp>
#include <ppp2p/testing.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string instance;
  tsp::Params params{.generations = 400};
  double kill_at = 0.5; // fraction of the generations
  std::string state_dir;
  // Internal modes (the demo runs itself as worker and resumer).
  std::string worker_dir;
  std::string resume_file;
};

[[noreturn]] void usage(int status) {
  std::FILE* out = status == 0 ? stdout : stderr;
  std::fprintf(
      out, "Usage: demo-mobility [--instance FILE.tsp] [--generations N] [--population N]\n"
           "                     [--seed N] [--kill-at FRACTION] [--state-dir DIR]\n\n"
           "Runs a genetic algorithm for the travelling salesman problem in a worker process\n"
           "that captures its execution state at every generation, kills the worker with\n"
           "SIGKILL after FRACTION of the generations (default 0.5), resumes the last snapshot\n"
           "in a fresh process, and checks the result against an uninterrupted run.\n\n"
           "  --instance FILE.tsp  TSPLIB instance with EUC_2D coordinates (default: 150 random\n"
           "                       cities, the same on every machine)\n"
           "  --generations N      default 400\n"
           "  --population N       default 40\n"
           "  --seed N             default 1\n"
           "  --kill-at FRACTION   between 0 and 1, default 0.5\n"
           "  --state-dir DIR      where snapshots are written (default: a temporary directory)\n"
           "  --help               this text\n");
  std::exit(status);
}

long parse_number(const char* flag, const char* text, long min, long max) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (errno || !end || *end || value < min || value > max) {
    std::fprintf(stderr, "demo-mobility: %s needs a whole number from %ld to %ld, got '%s'\n", flag,
                 min, max, text);
    std::exit(2);
  }
  return value;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "demo-mobility: %s needs a value\n", flag.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h") {
      usage(0);
    } else if (flag == "--instance") {
      o.instance = value();
    } else if (flag == "--generations") {
      o.params.generations = int(parse_number("--generations", value(), 2, 10000000));
    } else if (flag == "--population") {
      o.params.population = int(parse_number("--population", value(), 2, 1000000));
    } else if (flag == "--seed") {
      o.params.seed = unsigned(parse_number("--seed", value(), 0, 4294967295L));
    } else if (flag == "--kill-at") {
      const char* text = value();
      char* end = nullptr;
      o.kill_at = std::strtod(text, &end);
      if (!end || *end || !(o.kill_at > 0 && o.kill_at < 1)) {
        std::fprintf(stderr,
                     "demo-mobility: --kill-at needs a fraction between 0 and 1, got '%s'\n", text);
        std::exit(2);
      }
    } else if (flag == "--state-dir") {
      o.state_dir = value();
    } else if (flag == "--worker") {
      o.worker_dir = value();
    } else if (flag == "--resume") {
      o.resume_file = value();
    } else {
      std::fprintf(stderr, "demo-mobility: unknown option '%s' (see --help)\n", flag.c_str());
      std::exit(2);
    }
  }
  return o;
}

tsp::Problem problem_for(const Options& o) {
  return o.instance.empty() ? tsp::random_problem(150, 2026) : tsp::load_tsplib(o.instance);
}

std::string hex_of(const tsp::Tour& tour) {
  std::vector<std::byte> bytes;
  ppp2p::Writer out(bytes);
  ppp2p::encode(out, tour);
  std::string text;
  char digits[3];
  for (std::byte b : bytes) {
    std::snprintf(digits, sizeof digits, "%02x", unsigned(b));
    text += digits;
  }
  return text;
}

void write_file_atomically(const fs::path& path, const void* data, std::size_t size) {
  fs::path temporary = path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(static_cast<const char*>(data), std::streamsize(size));
    if (!out)
      throw std::runtime_error("cannot write " + temporary.string());
  }
  fs::rename(temporary, path);
}

/// Worker: runs evolve() capturing at every generation; keeps the newest snapshot on disk.
int run_worker(const Options& o) {
  fs::path dir = o.worker_dir;
  ppp2p::detail::CaptureSession session(ppp2p::detail::CaptureMode::every_checkpoint);
  session.set_sink([&](ppp2p::Snapshot&& snapshot) {
    auto bytes = snapshot.bytes();
    write_file_atomically(dir / "latest.snap", bytes.data(), bytes.size());
    std::string progress =
        std::to_string(tsp::current_generation.load()) + " " + std::to_string(bytes.size()) + "\n";
    write_file_atomically(dir / "progress", progress.data(), progress.size());
  });
  tsp::Problem problem = problem_for(o);
  session.enter_root();
  tsp::Tour best = tsp::evolve(problem, o.params);
  std::printf("finished %s\n", hex_of(best).c_str());
  return 0;
}

/// Resumer: a fresh process continues from a snapshot file.
int run_resume(const Options& o) {
  std::ifstream in(o.resume_file, std::ios::binary);
  std::vector<char> data((std::istreambuf_iterator<char>(in)), {});
  ppp2p::Snapshot snapshot =
      ppp2p::Snapshot::from_bytes(std::as_bytes(std::span(data.data(), data.size())));
  std::printf("describe %s", snapshot.describe().c_str());
  std::fflush(stdout);
  auto started = Clock::now();
  tsp::Tour best = ppp2p::testing::resume<tsp::Tour>(snapshot);
  double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf("length %.2f found %d seconds %.3f\nresult %s\n", best.length, best.generation,
              seconds, hex_of(best).c_str());
  return 0;
}

pid_t spawn(const std::vector<std::string>& args, int* stdout_fd) {
  int pipe_fds[2];
  if (stdout_fd && pipe(pipe_fds) != 0)
    throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0)
    throw std::runtime_error("fork failed");
  if (pid == 0) {
    if (stdout_fd) {
      dup2(pipe_fds[1], STDOUT_FILENO);
      close(pipe_fds[0]);
      close(pipe_fds[1]);
    }
    std::vector<char*> argv;
    for (const std::string& a : args)
      argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  if (stdout_fd) {
    close(pipe_fds[1]);
    *stdout_fd = pipe_fds[0];
  }
  return pid;
}

std::string read_all(int fd) {
  std::string text;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0)
    text.append(buffer, std::size_t(n));
  close(fd);
  return text;
}

std::string field(const std::string& text, const std::string& key) {
  std::size_t at = text.find(key + " ");
  if (at == std::string::npos)
    return "";
  std::size_t end = text.find('\n', at);
  return text.substr(at + key.size() + 1, end - at - key.size() - 1);
}

std::vector<std::string> common_args(const Options& o) {
  std::vector<std::string> args{"demo-mobility",
                                "--generations",
                                std::to_string(o.params.generations),
                                "--population",
                                std::to_string(o.params.population),
                                "--seed",
                                std::to_string(o.params.seed)};
  if (!o.instance.empty()) {
    args.push_back("--instance");
    args.push_back(o.instance);
  }
  return args;
}

int run_demo(const Options& o) {
  tsp::Problem problem = problem_for(o);
  std::printf("ppp2p strong-mobility demo: a genetic algorithm for the TSP instance '%s' (%zu "
              "cities), %d generations of %d tours\n\n",
              problem.name.c_str(), problem.cities.size(), o.params.generations,
              o.params.population);

  auto started = Clock::now();
  tsp::Tour reference = tsp::evolve(problem, o.params);
  double reference_seconds = std::chrono::duration<double>(Clock::now() - started).count();
  std::printf("[1] reference run in this process (no capture): best tour %.2f, found in "
              "generation %d, %.2f s\n",
              reference.length, reference.generation, reference_seconds);

  fs::path dir = o.state_dir.empty()
                     ? fs::temp_directory_path() / ("ppp2p-demo-" + std::to_string(getpid()))
                     : fs::path(o.state_dir);
  fs::create_directories(dir);
  std::vector<std::string> worker_args = common_args(o);
  worker_args.push_back("--worker");
  worker_args.push_back(dir.string());
  pid_t worker = spawn(worker_args, nullptr);
  std::printf("[2] worker process %d runs the same computation, capturing its execution state at "
              "every generation into %s\n",
              int(worker), (dir / "latest.snap").c_str());

  int kill_generation = std::max(1, int(o.params.generations * o.kill_at));
  int seen = 0;
  std::size_t snapshot_bytes = 0;
  for (;;) {
    std::ifstream progress(dir / "progress");
    if (progress >> seen >> snapshot_bytes; progress && seen >= kill_generation)
      break;
    int status;
    if (waitpid(worker, &status, WNOHANG) == worker) {
      std::fprintf(stderr,
                   "demo-mobility: the worker ended before generation %d (use more "
                   "--generations)\n",
                   kill_generation);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  kill(worker, SIGKILL);
  int status = 0;
  waitpid(worker, &status, 0);
  std::ifstream progress(dir / "progress");
  progress >> seen >> snapshot_bytes;
  std::printf("[3] at generation %d the worker was killed with SIGKILL (%s); its newest snapshot, "
              "from generation %d, holds %zu bytes\n",
              kill_generation, WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exited", seen,
              snapshot_bytes);

  std::vector<std::string> resume_args = common_args(o);
  resume_args.push_back("--resume");
  resume_args.push_back((dir / "latest.snap").string());
  int out_fd = -1;
  pid_t resumer = spawn(resume_args, &out_fd);
  std::string output = read_all(out_fd);
  waitpid(resumer, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "demo-mobility: the resuming process failed:\n%s\n", output.c_str());
    return 1;
  }
  std::printf("[4] a fresh process (%d) read the snapshot: %s", int(resumer),
              field(output, "describe").c_str());
  std::size_t frames_at = output.find("describe ");
  std::size_t frames_end = output.find("length ");
  std::string frames = output.substr(frames_at, frames_end - frames_at);
  frames = frames.substr(frames.find('\n') + 1);
  std::printf("\n%s", frames.c_str());
  std::printf(
      "    it resumed inside evolve() after generation %d and finished: best tour %s, found "
      "in generation %s, %s s\n",
      seen, field(output, "length").substr(0, field(output, "length").find(' ')).c_str(),
      field(output, "found").substr(0, field(output, "found").find(' ')).c_str(),
      field(output, "seconds").c_str());
  bool same = field(output, "result") == hex_of(reference);
  std::printf("[5] the resumed result equals the uninterrupted run, byte for byte: %s\n",
              same ? "yes" : "NO");
  if (o.state_dir.empty())
    fs::remove_all(dir);
  return same ? 0 : 1;
}

} // namespace

int main(int argc, char** argv) {
  try {
    Options o = parse(argc, argv);
    if (!o.worker_dir.empty())
      return run_worker(o);
    if (!o.resume_file.empty())
      return run_resume(o);
    return run_demo(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "demo-mobility: %s\n", e.what());
    return 1;
  }
}
