// For test programs whose VTs crash on purpose (a null write, abort()) and whose tests check
// the signal that ended the executor: in a sanitizer build (PPP2P_SANITIZE) the sanitizer
// would catch the signal, print its report and exit with status 1 instead. These programs
// leave the crash to the kernel; memory errors are still found by the instrumentation.
// Include in exactly one source file of the program.
#pragma once

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
extern "C" const char* __asan_default_options() {
  return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0";
}
#endif
#if __has_feature(thread_sanitizer)
extern "C" const char* __tsan_default_options() {
  return "handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0";
}
#endif
#endif
