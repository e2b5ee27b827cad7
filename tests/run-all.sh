#!/usr/bin/env bash
# Builds Groupwire and runs every test: unit, integration and end-to-end with real Kafka clients,
# then a bounded libFuzzer run, then the whole suite again under ASan+UBSan.
#   tests/run-all.sh [--quick]   --quick: skip the fuzz run and the sanitizer build
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
[[ "${1:-}" == --quick ]] && quick=true

deploy/install-deps.sh test
# @confluentinc/kafka-javascript has no prebuilt binary to download here and builds its librdkafka
# from source: linked dynamically, against the system's OpenSSL (the default, static, downloads
# the sources of its dependencies first), and with the headers of Debian's Node.js (node-gyp
# would download them otherwise).
(cd tests/e2e/node &&
  CKJS_LINKING=dynamic npm_config_nodedir=/usr npm ci --no-audit --no-fund --loglevel=error)

jobs=2
run_suite() {  # build dir, extra cmake args...
  local dir=$1
  shift
  cmake -S . -B "$dir" -G Ninja -DBUILD_TESTING=ON "$@" >/dev/null
  ninja -C "$dir" -j"$jobs"
  ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 300
}

run_suite build
if ! $quick; then
  echo "== fuzzing the request decoder and frame reader (60 s), SASL and the ACL parser (20 s each)"
  CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DGROUPWIRE_FUZZ=ON -DBUILD_TESTING=ON \
    -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" >/dev/null
  ninja -C build-fuzz -j"$jobs" request_fuzzer sasl_fuzzer acl_fuzzer
  findings=$(mktemp -d)
  fuzz() {  # target, seconds, seed corpus
    build-fuzz/tests/"$1" -max_total_time="$2" -artifact_prefix="$findings/" \
      "$(mktemp -d)" "$3" 2>&1 | tail -n 3
  }
  fuzz request_fuzzer 60 tests/fuzz/corpus
  fuzz sasl_fuzzer 20 tests/fuzz/corpus-sasl
  fuzz acl_fuzzer 20 tests/fuzz/corpus-acl
  if compgen -G "$findings/*" >/dev/null; then
    echo "fuzzer findings in $findings: copy them to tests/fuzz/regressions" >&2
    exit 1
  fi
  echo "== the whole suite under AddressSanitizer and UndefinedBehaviorSanitizer"
  run_suite build-asan -DGROUPWIRE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
fi
