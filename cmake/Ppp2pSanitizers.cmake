# PPP2P_SANITIZE: build ppp2p's own code, the test programs and what they compile with the
# plugin under sanitizers, as CI's scripts/test-sanitizers does for the unit and vc labels.
#   address,undefined  AddressSanitizer (with LeakSanitizer) and UndefinedBehaviorSanitizer
#   thread             ThreadSanitizer
# Every report is fatal (no recovery), so that a finding fails its test.
set(PPP2P_SANITIZE "" CACHE STRING
  "Sanitizers for ppp2p's code and tests: empty, address,undefined or thread")
set_property(CACHE PPP2P_SANITIZE PROPERTY STRINGS "" "address,undefined" "thread")

if(PPP2P_SANITIZE STREQUAL "")
  return()
endif()
if(NOT PPP2P_SANITIZE MATCHES "^(address,undefined|undefined,address|address|undefined|thread)$")
  message(FATAL_ERROR "PPP2P_SANITIZE='${PPP2P_SANITIZE}': use address,undefined or thread")
endif()
if(PPP2P_BUILD_FUZZERS)
  message(FATAL_ERROR "PPP2P_SANITIZE needs -DPPP2P_BUILD_FUZZERS=OFF (the fuzz targets carry "
                      "their own -fsanitize=fuzzer,address)")
endif()
set(PPP2P_SANITIZER_FLAGS -fsanitize=${PPP2P_SANITIZE} -fno-sanitize-recover=all
    -fno-omit-frame-pointer -gline-tables-only)
add_compile_options(${PPP2P_SANITIZER_FLAGS})
add_link_options(-fsanitize=${PPP2P_SANITIZE})
