#!/usr/bin/env bash
# Writes a seed corpus of real snapshots, then fuzzes for a bounded time.
# Usage: run_fuzzer.sh FUZZER SECONDS WORKDIR
set -euo pipefail
fuzzer=$1 seconds=$2 work=$3
rm -rf "$work"
mkdir -p "$work/corpus"
PPP2P_FUZZ_WRITE_SEEDS="$work/corpus" "$fuzzer"
# Leaks are not reported: with the checksum off, mutated raw slots (a destructor's "is active"
# flag, say) restore states the program never had, in which its own code may skip a
# destructor. Out-of-bounds accesses, use-after-free and undefined behaviour still fail the run.
export ASAN_OPTIONS=detect_leaks=0
exec "$fuzzer" -detect_leaks=0 -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus"
