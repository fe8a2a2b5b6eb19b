// Programs built with ppp2p are linked with -Wl,--wrap=main: in a process started as an
// executor (PPP2P_EXECUTOR_FD set) the executor runs instead of the program's main, after all
// static initialisation (so every descriptor and entry is registered).
#include "executor.hpp"

#include <cstdlib>

extern "C" int __real_main(int argc, char** argv, char** envp);

extern "C" int __wrap_main(int argc, char** argv, char** envp) {
  if (const char* fd = std::getenv("PPP2P_EXECUTOR_FD")) {
    const char* slots = std::getenv("PPP2P_EXECUTOR_SLOTS");
    return ppp2p::detail::run_executor(std::atoi(fd), slots ? unsigned(std::atoi(slots)) : 1u);
  }
  return __real_main(argc, argv, envp);
}
