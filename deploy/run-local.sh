#!/usr/bin/env bash
# Builds Groupwire and runs it locally with embedded defaults: a development upstream (librdkafka's
# mock Kafka cluster, 3 brokers, topics "orders" and "payments"), a coordinator on 127.0.0.1:9093
# and a gateway on 127.0.0.1:9092 in front of both. Ctrl-C stops everything.
# For production the upstream is a real Kafka-compatible cluster: pass its bootstrap list to the
# gateway's --upstream instead.
set -euo pipefail
cd "$(dirname "$0")/.."

deploy/install-deps.sh build
cmake -S . -B build -G Ninja -DBUILD_TESTING=OFF >/dev/null
ninja -C build -j2 groupwire-gateway groupwire-coordinator groupwire-dev-upstream groupwire

port=${GROUPWIRE_PORT:-9092}
coordinator_port=${GROUPWIRE_COORDINATOR_PORT:-9093}
metrics_port=${GROUPWIRE_METRICS_PORT:-9464}  # the coordinator's; the gateway's is the next one
console_port=${GROUPWIRE_CONSOLE_PORT:-8080}
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM

upstream_out=$(mktemp)
build/deploy/dev-upstream/groupwire-dev-upstream --brokers 3 --topic orders:4 --topic payments:2 \
  >"$upstream_out" &
pids+=($!)
until grep -q '^bootstrap ' "$upstream_out"; do sleep 0.1; done
upstream=$(awk '/^bootstrap /{print $2}' "$upstream_out")

# The development upstream starts empty every time, so the coordinator does too: offsets kept
# from a previous run would point past the new upstream's records.
data_dir=build/local-data
rm -rf "$data_dir"
build/coordinator-service/groupwire-coordinator --listen "127.0.0.1:$coordinator_port" \
  --data-dir "$data_dir" --metrics-listen "127.0.0.1:$metrics_port" \
  --console-listen "127.0.0.1:$console_port" --lag-bootstrap "127.0.0.1:$port" &
pids+=($!)
build/gateway/groupwire-gateway --listen "127.0.0.1:$port" \
  --coordinator "127.0.0.1:$coordinator_port" --upstream "$upstream" \
  --metrics-listen "127.0.0.1:$((metrics_port + 1))" &
pids+=($!)

cat <<MSG

Groupwire is running: gateway 127.0.0.1:$port (upstream brokers behind ports $((port + 1001))-$((port + 1003))),
coordinator 127.0.0.1:$coordinator_port (gRPC, database in $data_dir), development upstream $upstream.
Web console: http://127.0.0.1:$console_port/ (groups, members, lag, events as they happen).
Produce a few records, then watch a consumer group of two share them (run the last line twice):
  seq 1 20 | kcat -b 127.0.0.1:$port -P -t orders
  kcat -b 127.0.0.1:$port -G demo -o beginning orders
Inspect and operate the group with the groupwire CLI (lag from the gateway's end offsets):
  build/coordinator-service/cli/groupwire --coordinator 127.0.0.1:$coordinator_port groups describe demo
  build/coordinator-service/cli/groupwire --coordinator 127.0.0.1:$coordinator_port offsets show demo --bootstrap 127.0.0.1:$port
  build/coordinator-service/cli/groupwire --coordinator 127.0.0.1:$coordinator_port watch
Metrics: curl 127.0.0.1:$metrics_port/metrics (coordinator), curl 127.0.0.1:$((metrics_port + 1))/metrics (gateway).
Or with kafka-python's admin client:
  /usr/bin/python3 -c "from kafka import KafkaAdminClient as A; a=A(bootstrap_servers='127.0.0.1:$port'); print(a.list_consumer_groups()); print(a.describe_consumer_groups(['demo'])); print(a.list_consumer_group_offsets('demo'))"

MSG
wait -n "${pids[@]}"
