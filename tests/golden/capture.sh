#!/bin/bash
# Captures real client <-> mock-broker Kafka traffic and turns it into golden
# vectors (tests/golden/vectors/*_librdkafka*.golden). See README.md.
#
# Usage: ./capture.sh [SESSION...]   (default: all three; the others' vectors are left as they are)
#
# Three sessions:
#   mock202: Debian's librdkafka 2.0.2 mock cluster (librdkafka-dev), driven by
#            kcat and python3-confluent-kafka on the same librdkafka 2.0.2.
#   mock215: librdkafka 2.15.1 built from the source bundled in the npm package
#            @confluentinc/kafka-javascript@1.10.1 (its mock accepts flexible
#            JoinGroup/SyncGroup/Heartbeat/LeaveGroup/OffsetCommit/OffsetFetch/
#            Metadata), driven by kcat + python3-confluent-kafka running on that
#            librdkafka 2.15.1 (LD_LIBRARY_PATH), by python3-confluent-kafka on
#            Debian's 2.0.2, and by @platformatic/kafka (node/drive_mock.js).
#   mock215kip848: the same 2.15.1 mock, driven by python3-confluent-kafka on
#            librdkafka 2.15.1 as a group.protocol=consumer member
#            (drive_kip848.py); only its ConsumerGroupHeartbeat vectors are kept.
# Needs: root (dumpcap on lo), gcc, make, librdkafka-dev, kcat,
# python3-confluent-kafka, tshark, node + npm (run `npm ci` in node/ first).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${GOLDEN_WORK:-/tmp/groupwire-golden-capture}
mkdir -p "$WORK"
PIDS=()
cleanup() { [ ${#PIDS[@]} -eq 0 ] || kill "${PIDS[@]}" 2>/dev/null || true; }
trap cleanup EXIT

# ---- build the two mock brokers ------------------------------------------
gcc -Wall -O1 "$HERE/mock_broker.c" -lrdkafka -o "$WORK/mock_broker_202"

source "$HERE/../bench/build_mock_215.sh"
build_mock_215 "$WORK"
RDK=$RDK_215

# ---- one capture session -------------------------------------------------
session() { # name mock-binary driver-function
  local name=$1 bin=$2 drive=$3
  "$bin" >"$WORK/$name.mock.log" 2>&1 &
  local mock_pid=$!
  PIDS+=("$mock_pid")
  local boot=""
  for _ in $(seq 50); do
    boot=$(sed -n 's/^BOOTSTRAP //p' "$WORK/$name.mock.log")
    [ -n "$boot" ] && break
    sleep 0.1
  done
  [ -n "$boot" ] || { echo "mock did not start"; kill "$mock_pid"; exit 1; }
  local port=${boot##*:}
  rm -f "$WORK/$name.pcapng"
  dumpcap -q -i lo -f "tcp port $port" -w "$WORK/$name.pcapng" >"$WORK/$name.dumpcap.log" 2>&1 &
  local cap_pid=$!
  PIDS+=("$cap_pid")
  sleep 2
  "$drive" "$boot"
  sleep 1
  kill "$cap_pid"; wait "$cap_pid" || true
  kill "$mock_pid"; wait "$mock_pid" || true
  echo "$port" >"$WORK/$name.port"
  echo "captured $name on port $port"
}

drive202() {
  kcat -b "$1" -L -X client.id=golden-kcat >/dev/null
  /usr/bin/python3 "$HERE/drive_librdkafka.py" "$1"
}
drive215kip848() {
  LD_LIBRARY_PATH="$RDK/src" /usr/bin/python3 "$HERE/drive_kip848.py" "$1"
}
drive215() {
  LD_LIBRARY_PATH="$RDK/src" kcat -b "$1" -L -X client.id=golden-kcat >/dev/null
  LD_LIBRARY_PATH="$RDK/src" /usr/bin/python3 "$HERE/drive_librdkafka.py" "$1"
  /usr/bin/python3 "$HERE/drive_librdkafka.py" "$1" golden-group-2
  (cd "$HERE/node" && node drive_mock.js "$1")
}

RUN=(${@:-mock202 mock215 mock215kip848})
for name in "${RUN[@]}"; do
  case $name in
    mock202) session mock202 "$WORK/mock_broker_202" drive202 ;;
    mock215) session mock215 "$WORK/mock_broker_215" drive215 ;;
    mock215kip848) session mock215kip848 "$WORK/mock_broker_215" drive215kip848 ;;
    *) echo "unknown session $name"; exit 1 ;;
  esac
done

/usr/bin/python3 "$HERE/extract_capture.py" "$WORK" "${RUN[@]}"
