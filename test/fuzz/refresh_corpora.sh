#!/usr/bin/env bash
# Refreshes the fuzz corpora kept in the repository (test/fuzz/corpora/<target>/): runs each
# fuzz target for SECONDS from its generated seeds and its kept corpus, then keeps the smallest
# set of inputs that covers as much (libFuzzer's -merge=1). ctest's fuzz runs read these corpora
# besides the generated seeds, so what a long run found is retried on every run.
# Usage: test/fuzz/refresh_corpora.sh [BUILD_DIR] [SECONDS] [TARGET...]
#   (defaults: build, 300, every target)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
seconds=${2:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seeds() { # target -> directory of its generated seeds
  case $1 in
    net_*) "$build/bin/net_fuzz_seeds" "$work/net-seeds" >/dev/null && echo "$work/net-seeds/$1" ;;
    vc_fuzz) "$build/bin/vc_fuzz_seeds" "$work/vc-seeds" >/dev/null && echo "$work/vc-seeds" ;;
    *) mkdir -p "$work/$1-seeds"
       PPP2P_FUZZ_WRITE_SEEDS="$work/$1-seeds" "$(fuzzer "$1")" >/dev/null &&
         echo "$work/$1-seeds" ;;
  esac
}
fuzzer() {
  if [ -x "$build/bin/$1" ]; then echo "$build/bin/$1"; else echo "$build/test/fuzz/$1"; fi
}
targets=("${@:3}")
[ ${#targets[@]} -gt 0 ] || targets=(net_frame_fuzz net_handshake_fuzz net_membership_fuzz vc_fuzz
                                     runtime_decoders_fuzzer snapshot_fuzzer)
for target in "${targets[@]}"; do
  kept=$here/corpora/$target
  mkdir -p "$kept" "$work/$target-new" "$work/$target-merged"
  leaks=1
  [ "$target" = snapshot_fuzzer ] && leaks=0 # see run_fuzzer.sh
  ASAN_OPTIONS=detect_leaks=$leaks "$(fuzzer "$target")" -detect_leaks=$leaks \
    -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=2048 -timeout=10 \
    "$work/$target-new" "$(seeds "$target")" "$kept" 2>"$work/$target.log" ||
    { tail -40 "$work/$target.log"; exit 1; }
  ASAN_OPTIONS=detect_leaks=0 "$(fuzzer "$target")" -merge=1 "$work/$target-merged" "$kept" \
    "$work/$target-new" 2>>"$work/$target.log"
  rm -rf "$kept"
  mv "$work/$target-merged" "$kept"
  echo "$target: $(ls "$kept" | wc -l) inputs, $(du -sk "$kept" | cut -f1) KiB"
done
