#!/usr/bin/env bash
# Builds Groupwire and runs it locally with embedded defaults: a coordinator on 127.0.0.1:9093
# and a gateway on 127.0.0.1:9092 serving a small topic catalog. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh build
cmake -S . -B build -G Ninja -DBUILD_TESTING=OFF >/dev/null
ninja -C build -j2 groupwire-gateway groupwire-coordinator

port=${GROUPWIRE_PORT:-9092}
coordinator_port=${GROUPWIRE_COORDINATOR_PORT:-9093}
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
build/coordinator-service/groupwire-coordinator --listen "127.0.0.1:$coordinator_port" &
pids+=($!)
build/gateway/groupwire-gateway --listen "127.0.0.1:$port" \
  --coordinator "127.0.0.1:$coordinator_port" --topic orders:4 --topic payments:2 &
pids+=($!)

cat <<MSG

Groupwire is running: gateway 127.0.0.1:$port, coordinator 127.0.0.1:$coordinator_port (gRPC).
Try, in two terminals, a consumer group of two members sharing topic "orders":
  kcat -b 127.0.0.1:$port -G demo orders
Then list and describe the group with kafka-python's admin client, for example:
  /usr/bin/python3 -c "from kafka import KafkaAdminClient as A; a=A(bootstrap_servers='127.0.0.1:$port'); print(a.list_consumer_groups()); print(a.describe_consumer_groups(['demo']))"

MSG
wait -n "${pids[@]}"
