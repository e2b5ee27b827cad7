#!/bin/bash
# librdkafka 2.15.1, built from the sources bundled in the npm package
# @confluentinc/kafka-javascript@1.10.1, and tests/golden/mock_broker.c linked
# against it: the mock cluster the golden captures (tests/golden/capture.sh) and
# the consumer-protocol benchmark's peer (consumer_protocol.py) run. Built once
# under WORK; mock_broker_215 again only when mock_broker.c is newer.
#
# Run:    build_mock_215.sh [WORK]   prints the path of mock_broker_215, or says
#                                    on stderr why it cannot be built (exit 1)
# Source: build_mock_215 WORK        sets MOCK_215 (the binary) and RDK_215 (the
#                                    librdkafka source tree; its src/ holds the
#                                    library)
# Needs: gcc, make, and npm with network access the first time.
# WORK defaults to $GOLDEN_WORK or /tmp/groupwire-golden-capture, as in capture.sh.

build_mock_215() {
  local work=$1 here pkg=@confluentinc/kafka-javascript@1.10.1
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  RDK_215="$work/cf/package/deps/librdkafka"
  MOCK_215="$work/mock_broker_215"
  mkdir -p "$work" || return 1
  if [ ! -f "$RDK_215/src/librdkafka.so.1" ]; then
    command -v npm >/dev/null || { echo "no npm to fetch $pkg" >&2; return 1; }
    rm -rf "$work/cf" && mkdir -p "$work/cf"
    (cd "$work/cf" && npm pack "$pkg" >/dev/null && tar xzf ./*.tgz) ||
      { echo "npm pack $pkg failed (no network?)" >&2; return 1; }
    (cd "$RDK_215" && ./configure --no-download --disable-ssl --disable-gssapi \
        --disable-curl --disable-zstd --disable-lz4-ext >/dev/null && make -j2 -C src >/dev/null) ||
      { echo "building librdkafka 2.15.1 in $RDK_215 failed" >&2; return 1; }
  fi
  local src="$here/../golden/mock_broker.c"
  [ "$MOCK_215" -nt "$src" ] && return 0
  mkdir -p "$work/inc/librdkafka"
  ln -sf "$RDK_215/src/rdkafka.h" "$RDK_215/src/rdkafka_mock.h" "$work/inc/librdkafka/"
  gcc -Wall -O1 -I"$work/inc" "$src" -L"$RDK_215/src" -lrdkafka \
      -Wl,-rpath,"$RDK_215/src" -o "$MOCK_215" ||
    { echo "building $MOCK_215 failed" >&2; return 1; }
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  build_mock_215 "${1:-${GOLDEN_WORK:-/tmp/groupwire-golden-capture}}" || exit 1
  echo "$MOCK_215"
fi
