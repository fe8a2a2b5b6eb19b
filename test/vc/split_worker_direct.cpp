#include "split_worker.hpp"

long run_split_worker_directly(SplitWorker& worker, long from) {
  return worker.SplitWorker::run(from);
}
