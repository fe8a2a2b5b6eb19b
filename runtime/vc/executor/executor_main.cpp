// Programs built with ppp2p are linked with -Wl,--wrap=main: in a process started as an
// executor (PPP2P_EXECUTOR_FD set) the executor runs instead of the program's main, after all
// static initialisation (so every descriptor and entry is registered). Without the wrap,
// executor_entry.cpp's constructor takes over.
#include "vc/executor/executor_entry.hpp"

#include <cstdlib>

extern "C" int __real_main(int argc, char** argv, char** envp);

extern "C" int __wrap_main(int argc, char** argv, char** envp) {
  if (std::getenv("PPP2P_EXECUTOR_FD"))
    return ppp2p::detail::run_executor_from_environment();
  return __real_main(argc, argv, envp);
}
