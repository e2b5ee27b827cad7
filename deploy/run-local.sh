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
ninja -C build -j2 groupwire-gateway groupwire-coordinator groupwire-dev-upstream

port=${GROUPWIRE_PORT:-9092}
coordinator_port=${GROUPWIRE_COORDINATOR_PORT:-9093}
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
  --data-dir "$data_dir" &
pids+=($!)
build/gateway/groupwire-gateway --listen "127.0.0.1:$port" \
  --coordinator "127.0.0.1:$coordinator_port" --upstream "$upstream" &
pids+=($!)

cat <<MSG

Groupwire is running: gateway 127.0.0.1:$port (upstream brokers behind ports $((port + 1001))-$((port + 1003))),
coordinator 127.0.0.1:$coordinator_port (gRPC, database in $data_dir), development upstream $upstream.
Produce a few records, then watch a consumer group of two share them (run the last line twice):
  seq 1 20 | kcat -b 127.0.0.1:$port -P -t orders
  kcat -b 127.0.0.1:$port -G demo -o beginning orders
Inspect the group with kafka-python's admin client:
  /usr/bin/python3 -c "from kafka import KafkaAdminClient as A; a=A(bootstrap_servers='127.0.0.1:$port'); print(a.list_consumer_groups()); print(a.describe_consumer_groups(['demo'])); print(a.list_consumer_group_offsets('demo'))"

MSG
wait -n "${pids[@]}"
