#!/usr/bin/env bash
# The group coordination benchmark (see README, Benchmarks): builds the servers, the load
# generator, the echo server and the CLI (it writes the SASL users file), then runs
# tests/bench/run_benchmarks.py, which prints the tables. Flags go to run_benchmarks.py
# (--help). GROUPWIRE_BUILD_DIR picks the build directory (default build/), JOBS the build
# parallelism (default 2).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${GROUPWIRE_BUILD_DIR:-$root/build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DBUILD_TESTING=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
fi
cmake --build "$build" -j"${JOBS:-2}" --target groupwire-gateway groupwire-coordinator \
  groupwire-dev-upstream groupwire-bench-groups groupwire-bench-echo groupwire
export GROUPWIRE_GATEWAY=$build/gateway/groupwire-gateway
export GROUPWIRE_COORDINATOR=$build/coordinator-service/groupwire-coordinator
export GROUPWIRE_DEV_UPSTREAM=$build/deploy/dev-upstream/groupwire-dev-upstream
export GROUPWIRE_BENCH_GROUPS=$build/tests/bench/groupwire-bench-groups
export GROUPWIRE_BENCH_ECHO=$build/tests/bench/groupwire-bench-echo
export GROUPWIRE_CLI=$build/coordinator-service/cli/groupwire
export PYTHONDONTWRITEBYTECODE=1
# Debian's interpreter, as the e2e tests use (their helpers start the processes).
exec /usr/bin/python3 "$root/tests/bench/run_benchmarks.py" "$@"
