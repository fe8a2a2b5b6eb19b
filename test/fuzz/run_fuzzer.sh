#!/usr/bin/env bash
# Writes a seed corpus (the fuzzer's PPP2P_FUZZ_WRITE_SEEDS), then fuzzes for a bounded time.
# Usage: run_fuzzer.sh FUZZER SECONDS WORKDIR leaks|no-leaks [KEPT_CORPUS]
# KEPT_CORPUS (test/fuzz/corpora/<target>) is read, never written.
set -euo pipefail
fuzzer=$1 seconds=$2 work=$3 leaks=${4:-leaks} kept=${5:-}
rm -rf "$work"
mkdir -p "$work/corpus"
PPP2P_FUZZ_WRITE_SEEDS="$work/corpus" "$fuzzer"
detect_leaks=1
if [[ $leaks == no-leaks ]]; then
  # The snapshot fuzzer: with the checksum off, mutated raw slots (a destructor's "is active"
  # flag, say) restore states the program never had, in which its own code may skip a
  # destructor. Out-of-bounds accesses, use-after-free and undefined behaviour still fail it.
  detect_leaks=0
fi
export ASAN_OPTIONS=detect_leaks=$detect_leaks
exec "$fuzzer" -detect_leaks=$detect_leaks -max_total_time="$seconds" -max_len=4096 -timeout=10 \
  -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" \
  ${kept:+"$kept"}
