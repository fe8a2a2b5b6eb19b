#!/usr/bin/env bash
# Uses ppp2p the three ways a user can: find_package from the build tree, find_package after
# `cmake --install`, and the ppp2p-c++ wrapper (compile-only of two files, then link).
# Usage: run_package_test.sh BUILD_DIR CXX WORK_DIR
set -euo pipefail
build=$1 cxx=$2 work=$3
here=$(cd "$(dirname "$0")" && pwd)
rm -rf "$work"
mkdir -p "$work"

echo "== find_package from the build tree"
cmake -S "$here/consumer" -B "$work/from-build" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
  -Dppp2p_DIR="$build" >/dev/null
cmake --build "$work/from-build" >/dev/null
"$work/from-build/consumer"
"$work/from-build/farm"

echo "== find_package after cmake --install"
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$here/consumer" -B "$work/from-install" -G Ninja -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/from-install" >/dev/null
"$work/from-install/consumer"
"$work/from-install/farm"

echo "== -fplugin=ppp2p, as written, after cmake --install"
link="$(dirname "$(readlink -f "$(command -v "$cxx")")")/../lib/ppp2p"
if [ "$(readlink "$link" 2>/dev/null)" = "$work/prefix/lib/ppp2p/ppp2p-plugin.so" ]; then
  "$cxx" -std=c++20 -O2 -fplugin=ppp2p -I"$work/prefix/include" "$here/consumer/farm.cpp" \
    "$work/prefix/lib/libppp2p.a" -lxxhash -o "$work/fplugin-farm"
  # Whole outputs to files first: with pipefail, grep -q closing the pipe early fails nm.
  nm "$work/fplugin-farm" >"$work/fplugin-farm.nm"
  grep -q "__ppp2p.*descriptor" "$work/fplugin-farm.nm" # the pass ran
  timeout 60 "$work/fplugin-farm" >"$work/fplugin-farm.out"
  grep -q "farm ok" "$work/fplugin-farm.out"
elif [ "$(id -u)" -eq 0 ]; then
  echo "cmake --install as root should have linked $link to the plugin" >&2
  exit 1
else
  echo "skipped: $link is not writable by this user"
fi

echo "== installed ppp2p-c++: -c with two files, then link"
wrapper="$work/prefix/bin/ppp2p-c++"
"$wrapper" --show -O2 -c x.cpp | grep -q -- "-fplugin=$work/prefix/lib/ppp2p/ppp2p-plugin.so"
(cd "$work" && "$wrapper" -O2 -c "$here/consumer/main.cpp" "$here/consumer/tasks.cpp")
"$wrapper" -O2 "$work/main.o" "$work/tasks.o" -o "$work/wrapped"
"$work/wrapped"

echo "== build-tree ppp2p-c++: compile and link in one command"
"$build/bin/ppp2p-c++" -O1 "$here/consumer/main.cpp" "$here/consumer/tasks.cpp" -o "$work/wrapped2"
"$work/wrapped2"
"$build/bin/ppp2p-c++" -O2 "$here/consumer/farm.cpp" -o "$work/farm"
"$work/farm"
"$build/bin/ppp2p-c++" --help | grep -q "Usage: ppp2p-c++"

echo "== the README's plain clang++ line (no -Wl,--wrap=main): executors start, main runs once"
src=$(cd "$here/../.." && pwd)
"$cxx" -std=c++20 -O2 -fplugin="$build/lib/ppp2p-plugin.so" -I"$src/include" \
  "$here/consumer/plain_link.cpp" "$build/lib/libppp2p.a" -lxxhash -o "$work/plain_link"
nm "$work/plain_link" >"$work/plain_link.nm"
if grep -q " T __wrap_main" "$work/plain_link.nm"; then
  echo "plain_link should have been linked without --wrap=main" >&2
  exit 1
fi
rm -f "$work/main.log"
timeout 60 "$work/plain_link" "$work/main.log" >"$work/plain_link.out"
grep -q "plain link ok" "$work/plain_link.out"
runs=$(wc -l <"$work/main.log")
if [ "$runs" -ne 1 ]; then
  echo "main ran $runs times (executors ran the program's main)" >&2
  exit 1
fi
echo "== an executor variable that names no peer's socket starts nothing"
if PPP2P_EXECUTOR_FD=0 timeout 10 "$work/plain_link" "$work/main.log" </dev/null 2>"$work/stray.err"; then
  echo "a stray PPP2P_EXECUTOR_FD should fail" >&2
  exit 1
fi
grep -q "not a socket from a ppp2p peer" "$work/stray.err"
[ "$(wc -l <"$work/main.log")" -eq 1 ]
echo "package test ok"
