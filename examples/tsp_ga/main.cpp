// tsp_ga: the paper's workload. A genetic algorithm for a travelling-salesman instance runs as
// independent islands, one virtual thread each, on a virtual computer; their partial results
// drive a progress line with the best tour so far; the best island's tour wins.
#include "tsp.hpp"

#include <ppp2p/ppp2p.hpp>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

namespace {

struct Options {
  std::string instance;
  unsigned workers = 4;
  unsigned islands = 0; // default: one per worker
  tsp::Params params;
  double require_gap = -1; // exit 3 if the gap to the optimum is larger (percent)
  long checkpoint_ms = 10000;
  bool quiet = false;
};

[[noreturn]] void usage(int status) {
  std::fprintf(status ? stderr : stdout,
               "Usage: tsp_ga [--instance FILE.tsp] [--workers N] [--islands K]\n"
               "              [--generations G] [--population P] [--seed S]\n"
               "              [--migrate-every M] [--checkpoint-every MS] [--require-gap PCT]\n"
               "              [--quiet]\n\n"
               "Evolves tours for a travelling-salesman instance with a genetic algorithm run as\n"
               "K islands (default: one per worker), each a virtual thread on a virtual computer\n"
               "of N workers (default 4), interbreeding through a global variable. With\n"
               "PPP2P_AGENT set (the data dir of a running ppp2p-runtime) the workers are peers\n"
               "of its cluster; otherwise executor processes on this machine.\n\n"
               "  --instance FILE.tsp  a TSPLIB instance with EUC_2D coordinates, e.g.\n"
               "                       ../shared/data/tsplib/berlin52.tsp (default: 60 random\n"
               "                       cities, the same on every machine)\n"
               "  --generations G      per island, default 300\n"
               "  --population P       tours per island, default 40\n"
               "  --seed S             island i uses seed S + i, default 1\n"
               "  --migrate-every M    every M generations each island offers its best tour to a\n"
               "                       shared elite pool (a global variable, updated atomically)\n"
               "                       and takes in the pool's better tours; 0: isolated islands;\n"
               "                       default 10\n"
               "  --checkpoint-every MS  capture every island this often (0: never); an island\n"
               "                       whose worker dies resumes elsewhere from its newest\n"
               "                       capture; default 10000\n"
               "  --require-gap PCT    exit with status 3 if the best tour is more than PCT %%\n"
               "                       above the instance's OPTIMUM (which it must state)\n"
               "  --quiet              no progress line on stderr\n\n"
               "Prints the best tour's length and, when the instance states its OPTIMUM, the gap,\n"
               "and how many islands resumed from a capture (their worker was lost).\n");
  std::exit(status);
}

long number(const char* flag, const char* text, long min, long max) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text, &end, 10);
  if (errno || !end || *end || value < min || value > max) {
    std::fprintf(stderr, "tsp_ga: %s needs a whole number from %ld to %ld, got '%s'\n", flag, min,
                 max, text);
    std::exit(2);
  }
  return value;
}

double percent(const char* flag, const char* text) {
  char* end = nullptr;
  errno = 0;
  double value = std::strtod(text, &end);
  if (errno || !end || *end || !(value >= 0 && value <= 1e6)) {
    std::fprintf(stderr, "tsp_ga: %s needs a percentage from 0 to 1000000, got '%s'\n", flag, text);
    std::exit(2);
  }
  return value;
}

Options parse(int argc, char** argv) {
  Options o;
  o.params.migrate_every = 10;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "tsp_ga: %s needs a value\n", flag.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (flag == "--help" || flag == "-h")
      usage(0);
    else if (flag == "--instance")
      o.instance = value();
    else if (flag == "--workers")
      o.workers = unsigned(number("--workers", value(), 1, 4096));
    else if (flag == "--islands")
      o.islands = unsigned(number("--islands", value(), 1, 65536));
    else if (flag == "--generations")
      o.params.generations = int(number("--generations", value(), 1, 100000000));
    else if (flag == "--population")
      o.params.population = int(number("--population", value(), 2, 1000000));
    else if (flag == "--seed")
      o.params.seed = unsigned(number("--seed", value(), 0, 4294967295L));
    else if (flag == "--migrate-every")
      o.params.migrate_every = int(number("--migrate-every", value(), 0, 100000000));
    else if (flag == "--checkpoint-every")
      o.checkpoint_ms = number("--checkpoint-every", value(), 0, 86400000);
    else if (flag == "--require-gap")
      o.require_gap = percent("--require-gap", value());
    else if (flag == "--quiet")
      o.quiet = true;
    else {
      std::fprintf(stderr, "tsp_ga: unknown option '%s' (see --help)\n", flag.c_str());
      std::exit(2);
    }
  }
  if (o.islands == 0)
    o.islands = o.workers;
  return o;
}

std::string gap(const tsp::Problem& problem, double length) {
  if (problem.optimum <= 0)
    return "optimum unknown";
  char text[64];
  std::snprintf(text, sizeof text, "optimum %ld, gap %.2f %%", problem.optimum,
                (length / double(problem.optimum) - 1) * 100);
  return text;
}

} // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  try {
    tsp::Problem problem =
        o.instance.empty() ? tsp::random_problem(60, 2026) : tsp::load_tsplib(o.instance);
    if (o.require_gap >= 0 && problem.optimum <= 0) {
      std::fprintf(stderr, "tsp_ga: --require-gap needs an instance that states its OPTIMUM\n");
      return 2;
    }
    auto started = std::chrono::steady_clock::now();
    ppp2p::VirtualComputer vc(
        {.workers = o.workers, .checkpoint_interval = std::chrono::milliseconds(o.checkpoint_ms)});
    if (!o.quiet)
      std::fprintf(stderr,
                   "tsp_ga: %s (%zu cities), %u islands x %d generations x %d tours on %u "
                   "workers\n",
                   problem.name.c_str(), problem.cities.size(), o.islands, o.params.generations,
                   o.params.population, vc.workers());

    std::mutex progress_mutex;
    std::vector<int> generation_of(o.islands, 0);
    double best_so_far = 0;
    std::vector<ppp2p::VirtualThread<tsp::Tour>> islands;
    for (unsigned i = 0; i < o.islands; ++i) {
      tsp::Params params = o.params;
      params.seed = o.params.seed + i;
      params.report_every = std::max(1, o.params.generations / 50);
      islands.push_back(vc.spawn(tsp::evolve, problem, params));
      islands.back().on_partial<tsp::Progress>([&, i](const tsp::Progress& progress) {
        std::lock_guard lock(progress_mutex);
        generation_of[i] = progress.generation;
        if (best_so_far == 0 || progress.best < best_so_far)
          best_so_far = progress.best;
        if (o.quiet)
          return;
        long done = 0;
        for (int g : generation_of)
          done += g;
        std::fprintf(stderr, "\rtsp_ga: %3ld %%  best tour so far %.0f (%s)   ",
                     done * 100 / (long(o.params.generations) * o.islands), best_so_far,
                     gap(problem, best_so_far).c_str());
      });
    }
    tsp::Tour best;
    unsigned best_island = 0;
    for (unsigned i = 0; i < islands.size(); ++i) {
      tsp::Tour tour = islands[i].get();
      if (i == 0 || tour.length < best.length) {
        best = std::move(tour);
        best_island = i;
      }
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (!o.quiet)
      std::fprintf(stderr, "\ntsp_ga: %.2f s\n", seconds);
    std::printf("best tour %.0f from island %u (found in generation %d); %s\n", best.length,
                best_island, best.generation, gap(problem, best.length).c_str());
    if (o.params.migrate_every > 0) {
      std::vector<tsp::Tour> pool = vc.global<std::vector<tsp::Tour>>(tsp::kElitePool).read();
      std::printf("interbreeding every %d generations: elite pool of %zu tours, best %.0f\n",
                  o.params.migrate_every, pool.size(), pool.empty() ? 0.0 : pool.front().length);
    }
    unsigned resumed = 0, resumes = 0;
    for (auto& island : islands) {
      resumed += island.resumes() > 0;
      resumes += island.resumes();
    }
    std::printf("islands resumed from a capture: %u (%u resumes)\n", resumed, resumes);
    if (o.require_gap >= 0 && (best.length / double(problem.optimum) - 1) * 100 > o.require_gap)
      return 3;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tsp_ga: %s\n", e.what());
    return 1;
  }
  return 0;
}
